/**
 * The messages between the extension host and the training worker. The
 * host passes the request as `workerData`; the worker replies with one
 * message per epoch and one final message. Cancellation goes through a
 * shared flag, because the worker's training loop never yields to its
 * event loop.
 */
import type { EpochReport, TrainOptions } from '../model/train/train';

export interface TrainRequest {
  readonly text: string;
  readonly options: Partial<TrainOptions>;
  /** An Int32Array over it: the host stores 1 in element 0 to cancel. */
  readonly cancelFlag: SharedArrayBuffer;
}

export type WorkerMessage =
  | { readonly type: 'epoch'; readonly report: EpochReport }
  /** The trained model as the bytes of a safetensors file. */
  | { readonly type: 'done'; readonly model: Uint8Array }
  | {
      readonly type: 'failed';
      readonly reason: 'cancelled' | 'diverged' | 'invalid' | 'error';
      readonly message: string;
    };
