// The rejection of a job the user cancelled (a progress notification's Cancel): callers
// recognise it by type and say nothing, since the user asked for it.

export class CancelledError extends Error {
  constructor() {
    // The name stays "Error": logs and tests read the rejection as "Error: cancelled".
    super('cancelled');
  }
}
