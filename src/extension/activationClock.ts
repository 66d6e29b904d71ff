// The time this bundle started evaluating: imported first by extension.ts, so activation time
// printed in the log covers module loading as well as activate().

export const loadedAt = performance.now();
