// The seam between panel UI code and VS Code: a WebviewTransport posts messages, delivers the
// validated inbound ones and keeps UI state; the VS Code implementation wraps acquireVsCodeApi.

import { describeRejected, type MessageType } from '../../src/protocol/webview.js';

export interface WebviewTransport<In, Out, State> {
  post(message: Out): void;
  /** Calls `handler` with each inbound message that passes validation. */
  onMessage(handler: (message: In) => void): void;
  getState(): State | undefined;
  setState(state: State): void;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  interface Window {
    acquireVsCodeApi?: () => VsCodeApi;
  }
}

/**
 * The transport inside a VS Code webview (or a test page that provides an
 * `acquireVsCodeApi` stand-in). Messages failing every descriptor are dropped with a warning.
 */
export function createVsCodeTransport<In extends { type: string }, Out, State>(
  inbound: readonly MessageType<string, In>[],
  isState: (v: unknown) => v is State,
): WebviewTransport<In, Out, State> {
  if (typeof window.acquireVsCodeApi !== 'function') {
    throw new Error('This page must run inside a VS Code webview (acquireVsCodeApi is missing).');
  }
  const api = window.acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    onMessage(handler) {
      window.addEventListener('message', (event: MessageEvent<unknown>) => {
        const d = inbound.find((desc) => desc.is(event.data));
        if (d) handler(event.data as In);
        else console.warn(`RNN Lab: ${describeRejected(event.data)}`);
      });
    },
    getState() {
      const s = api.getState();
      return isState(s) ? s : undefined;
    },
    setState: (state) => api.setState(state),
  };
}
