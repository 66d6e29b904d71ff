// The start-up every panel page shares: the transport to the host and the saved UI state, the
// theme colours (re-read when VS Code switches theme), the message line (where the host's
// errors are shown), and the "ready" handshake once the page listens.

import type { ErrorMessage, MessageType, ReadyMessage } from '../../src/protocol/webview.js';
import { h } from './dom.js';
import { onThemeChange, readTheme, type ThemeColors } from './theme.js';
import { createVsCodeTransport } from './transport.js';

export interface PanelPage<FromHost, ToHost, State> {
  /** The saved UI state, or the defaults on a first open; change it, then call saveUi. */
  readonly ui: State;
  saveUi(): void;
  post(message: ToHost): void;
  /** The theme's colours when the page started (onTheme gets the new ones). */
  readonly theme: ThemeColors;
  /** The message line; the page places it in its layout. */
  readonly messageBox: HTMLElement;
  showMessage(text: string, error: boolean): void;
  hideMessage(): void;
  /**
   * Starts listening, then tells the host the page is ready. `onMessage` gets every valid
   * message but errors, which the message line shows; `onTheme` redraws in new colours.
   */
  start(handlers: { onMessage(message: Exclude<FromHost, ErrorMessage>): void; onTheme(theme: ThemeColors): void }): void;
}

const isError = <M extends { type: string }>(m: M): m is Extract<M, ErrorMessage> => m.type === 'error';

export function openPanelPage<FromHost extends { type: string }, ToHost, State>(
  fromHost: readonly MessageType<string, FromHost>[],
  isState: (v: unknown) => v is State,
  defaults: State,
): PanelPage<FromHost, ToHost, State> {
  const transport = createVsCodeTransport<FromHost, ToHost | ReadyMessage, State>(fromHost, isState);
  const ui = transport.getState() ?? defaults;
  const messageBox = h('div', { id: 'message', class: 'panel-message', hidden: true });
  const showMessage = (text: string, error: boolean) => {
    messageBox.textContent = text;
    messageBox.className = error ? 'panel-message error' : 'panel-message';
    messageBox.hidden = false;
  };
  return {
    ui,
    saveUi: () => transport.setState(ui),
    post: (message) => transport.post(message),
    theme: readTheme(),
    messageBox,
    showMessage,
    hideMessage: () => {
      messageBox.hidden = true;
    },
    start(handlers) {
      transport.onMessage((m) => {
        if (isError(m)) showMessage(m.message, true);
        else handlers.onMessage(m as Exclude<FromHost, ErrorMessage>);
      });
      onThemeChange(() => handlers.onTheme(readTheme()));
      transport.post({ type: 'ready' });
    },
  };
}
