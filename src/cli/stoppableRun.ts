// A training run on the command line: Ctrl-C or SIGTERM stops it after the current step (a second
// one quits at once), a failed save becomes one sentence, and `cleanup` always runs.

import { cleanAfterFailedSave, isSaveFailure, saveFailureMessage } from '../model/saveFailure.js';
import { InputError } from './cliErrors.js';

export interface StoppableRunOptions {
  /** Absolute model folder, and as the user named it (for messages). */
  out: string;
  given: string;
  /** Runs after the run ends or throws, and before a forced exit. */
  cleanup: () => void;
}

export async function stoppableRun<T>(options: StoppableRunOptions, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  // SIGTERM (a service manager, the extension, `kill`) saves like Ctrl-C.
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      options.cleanup();
      process.stderr.write('rnnlab: interrupted twice; exiting without waiting for the save\n');
      process.exit(130);
    }
    process.stderr.write(`rnnlab: stopping after this step and saving (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body(controller.signal);
  } catch (error) {
    if (isSaveFailure(error)) {
      cleanAfterFailedSave(options.out);
      throw new InputError(saveFailureMessage(error, options.given));
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.cleanup();
  }
}
