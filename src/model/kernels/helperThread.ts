/**
 * One helper thread (Node's worker_threads) that shares the kernels' memory
 * and takes tasks of a job alongside the calling thread, so a large matrix
 * product or attention uses both cores of a 2-core machine.
 *
 * The protocol uses int32 control words at the start of the shared memory.
 * The caller writes the job, then makes `sequence` odd ("open"). Both
 * threads claim task numbers with an atomic add on `next` until `count` is
 * reached. The helper reports each finished task in one of its two slots
 * and marks the slot full. The caller records the task, runs the job's
 * `copyOut` on the slot, and marks the slot empty again. The model's tasks
 * write their rows straight into shared memory, so their `copyOut` does
 * nothing. The caller then makes
 * `sequence` even ("closed") and waits until `active`, the number of helpers
 * inside the job, is 0. A helper enters by incrementing `active` and then
 * checking that `sequence` did not change, so it never reads a half-written job.
 */

export const KERNEL_IDS = { attention: 0, linear: 1 } as const;
export type KernelId = (typeof KERNEL_IDS)[keyof typeof KERNEL_IDS];

/** Byte address of the job record that a task function reads, after the control words. */
export const JOB_ADDRESS = 256;

/** Indices of the control words in the shared memory's Int32Array. */
export const CONTROL_WORDS = {
  sequence: 0,
  next: 1,
  count: 2,
  active: 3,
  event: 4,
  kernel: 5,
  failed: 6,
  slotState: 8, // 8 and 9: 0 empty, 1 full
  slotTask: 10, // 10 and 11
  slotAddress: 12, // 12 and 13
} as const;

/**
 * Times the helper polls for the next job before it sleeps, so that the
 * jobs of one forward pass find it awake: about 0.5 ms once V8 has optimized
 * the loop, measured on the Xeon of docs/benchmarks.md.
 */
const HELPER_SPIN_COUNT = 50000;
/** Milliseconds without progress after which the caller stops waiting for the helper. */
const HELPER_TIMEOUT_MS = 10000;

export interface HelperThread {
  /** Ends the thread. */
  stop(): void;
}

/** The helper's program. It runs as CommonJS source, so it must not use imports. */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, modules, words, spinCount, jobAddress } = workerData;
// The modules are gemm, softmax, forward and elementwise, as in runtime.ts.
const gemm = new WebAssembly.Instance(modules[0], { env: { memory } }).exports;
const softmax = new WebAssembly.Instance(modules[1], { env: { memory }, gemm }).exports;
const forward = new WebAssembly.Instance(modules[2], { env: { memory }, gemm, softmax }).exports;
const tasks = [forward.attention_task, forward.linear_task];
const control = new Int32Array(memory.buffer, 0, 64);
let seen = Atomics.load(control, words.sequence);
let slot = 0;
for (;;) {
  let sequence = Atomics.load(control, words.sequence);
  // A counted loop, unlike performance.now(), allocates nothing while it polls.
  for (let spin = 0; (sequence === seen || sequence % 2 === 0) && spin < spinCount; spin++) {
    sequence = Atomics.load(control, words.sequence);
  }
  if (sequence === seen || sequence % 2 === 0) {
    Atomics.wait(control, words.sequence, sequence);
    continue;
  }
  seen = sequence;
  Atomics.add(control, words.active, 1);
  let failed = false;
  if (Atomics.load(control, words.sequence) === sequence) {
    try {
      const task = tasks[control[words.kernel]];
      const count = control[words.count];
      for (;;) {
        const index = Atomics.add(control, words.next, 1);
        if (index >= count) break;
        const state = words.slotState + slot;
        while (Atomics.load(control, state) !== 0) Atomics.wait(control, state, 1);
        task(jobAddress, index, control[words.slotAddress + slot]);
        control[words.slotTask + slot] = index;
        Atomics.store(control, state, 1);
        Atomics.add(control, words.event, 1);
        Atomics.notify(control, words.event);
        slot = 1 - slot;
      }
    } catch (error) {
      failed = true;
      Atomics.store(control, words.failed, 1);
    }
  }
  Atomics.sub(control, words.active, 1);
  Atomics.add(control, words.event, 1);
  Atomics.notify(control, words.event);
  if (failed) break;
}
`;

/**
 * Starts the helper thread on `memory`, or returns undefined outside Node.
 * The thread does not keep the process alive.
 */
export function startHelperThread(
  memory: WebAssembly.Memory,
  modules: readonly WebAssembly.Module[],
  control: Int32Array,
): HelperThread | undefined {
  const workerThreads = globalThis.process?.getBuiltinModule?.('node:worker_threads');
  if (workerThreads === undefined) {
    return undefined;
  }
  control.fill(0, 0, 64);
  try {
    const worker = new workerThreads.Worker(HELPER_SOURCE, {
      eval: true,
      workerData: {
        memory,
        modules,
        words: CONTROL_WORDS,
        spinCount: HELPER_SPIN_COUNT,
        jobAddress: JOB_ADDRESS,
      },
    });
    worker.unref();
    // A helper that fails to start never joins a job, so the caller's own
    // thread does all the work; the error needs no other handling.
    worker.on('error', () => undefined);
    return { stop: () => void worker.terminate() };
  } catch {
    return undefined;
  }
}

export interface TaskRun {
  readonly control: Int32Array;
  readonly kernel: KernelId;
  readonly tasks: number;
  /** Byte address of this thread's slot. */
  readonly ownSlot: number;
  /** Byte addresses of the helper's two slots. */
  readonly helperSlots: readonly number[];
  /** Runs task `index` on this thread into the slot at byte address `slot`. */
  runTask(index: number, slot: number): void;
  /** Copies task `index`'s output out of the slot at byte address `slot`. */
  copyOut(index: number, slot: number): void;
}

/** The outcome of a job's tasks. */
export interface TaskOutcome {
  /** False when the helper failed or made no progress for HELPER_TIMEOUT_MS. */
  readonly healthy: boolean;
  /** Number of tasks the helper computed. */
  readonly helperTasks: number;
}

/**
 * Runs every task of a job on this thread and the helper. When the helper
 * failed or stopped making progress, this thread runs its unfinished tasks,
 * so the output is complete either way, and the caller should stop using
 * the helper. A task's error is rethrown after the job is closed.
 */
export function runTasks(run: TaskRun): TaskOutcome {
  const control = run.control;
  const done = new Uint8Array(run.tasks);
  let helperTasks = 0;
  const drain = (): void => {
    for (let slot = 0; slot < 2; slot++) {
      if (Atomics.load(control, CONTROL_WORDS.slotState + slot) === 1) {
        const index = control[CONTROL_WORDS.slotTask + slot];
        run.copyOut(index, run.helperSlots[slot]);
        done[index] = 1;
        helperTasks++;
        Atomics.store(control, CONTROL_WORDS.slotState + slot, 0);
        Atomics.notify(control, CONTROL_WORDS.slotState + slot);
      }
    }
  };

  // Publish the job. An odd sequence number opens it.
  control[CONTROL_WORDS.kernel] = run.kernel;
  control[CONTROL_WORDS.count] = run.tasks;
  control[CONTROL_WORDS.slotAddress] = run.helperSlots[0];
  control[CONTROL_WORDS.slotAddress + 1] = run.helperSlots[1];
  Atomics.store(control, CONTROL_WORDS.next, 0);
  Atomics.add(control, CONTROL_WORDS.sequence, 1);
  Atomics.notify(control, CONTROL_WORDS.sequence);

  let failure: { error: unknown } | undefined;
  try {
    for (;;) {
      const index = Atomics.add(control, CONTROL_WORDS.next, 1);
      if (index >= run.tasks) {
        break;
      }
      run.runTask(index, run.ownSlot);
      run.copyOut(index, run.ownSlot);
      done[index] = 1;
      drain();
    }
  } catch (error) {
    // Let the helper claim no more tasks, and close the job before rethrowing.
    Atomics.store(control, CONTROL_WORDS.next, run.tasks);
    failure = { error };
  }

  // Close the job (even sequence number), then wait for the helper's last tasks.
  Atomics.add(control, CONTROL_WORDS.sequence, 1);
  const healthy = waitForHelper(control, drain);
  if (failure !== undefined) {
    throw failure.error;
  }
  if (!healthy || Atomics.load(control, CONTROL_WORDS.failed) !== 0) {
    for (let index = 0; index < run.tasks; index++) {
      if (done[index] === 0) {
        run.runTask(index, run.ownSlot);
        run.copyOut(index, run.ownSlot);
      }
    }
    return { healthy: false, helperTasks };
  }
  return { healthy: true, helperTasks };
}

/**
 * Copies out the helper's results until it has left the closed job.
 * Returns false when it made no progress for HELPER_TIMEOUT_MS.
 */
function waitForHelper(control: Int32Array, drain: () => void): boolean {
  let lastEvent = -1;
  let lastProgress = performance.now();
  for (;;) {
    const event = Atomics.load(control, CONTROL_WORDS.event);
    const active = Atomics.load(control, CONTROL_WORDS.active);
    drain();
    if (active === 0) {
      return true;
    }
    const now = performance.now();
    if (event !== lastEvent) {
      lastEvent = event;
      lastProgress = now;
    } else if (now - lastProgress > HELPER_TIMEOUT_MS) {
      return false;
    }
    // The helper's last task is short, so poll for 2 ms before sleeping.
    if (now - lastProgress > 2) {
      Atomics.wait(control, CONTROL_WORDS.event, event, 50);
    }
  }
}
