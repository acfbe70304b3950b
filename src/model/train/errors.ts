/** The errors that stop a training run before it returns a model. */

/** Thrown when `shouldStop` returns true. The run returns no model. */
export class TrainingCancelledError extends Error {
  constructor(readonly step: number) {
    super(`training was cancelled after ${step} steps`);
    this.name = 'TrainingCancelledError';
  }
}

/** Thrown when the loss or the weights stop being finite, or the loss runs away. */
export class TrainingDivergedError extends Error {
  constructor(
    message: string,
    readonly step: number,
  ) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}
