/**
 * The WebAssembly kernels' runtime: it compiles the modules of wat/ once,
 * owns their memory, hands out scratch space for a call's operands and runs
 * a job's tasks, on a helper thread as well where that pays (helperThread.ts).
 *
 * Memory layout, in bytes: the control words that the two threads share at
 * 0, one job record at JOB_ADDRESS, from SCRATCH_ADDRESS on the arena that
 * contains the latest forward pass's stages (forwardKernel.ts), and after it
 * the current call's operands and output slots, allocated afresh by every
 * call.
 *
 * `kernelRuntime()` returns undefined where WebAssembly SIMD is unavailable,
 * where the modules fail to compile, or when the readable kernels were
 * chosen with `useKernels('reference')` or the environment variable
 * TINY_LLM_KERNELS=reference. Every caller then falls back to the readable
 * kernels. TINY_LLM_THREADS=1 keeps every job on the calling thread.
 * Where the host accepts relaxed SIMD (V8 11.4 and later), the matrix
 * product fuses its multiply-adds; TINY_LLM_FMA=0 turns that off.
 */
import { HelperThread, JOB_ADDRESS, KernelId, runTasks, startHelperThread } from './helperThread';
import * as binary from './wasmBinary';

export { JOB_ADDRESS, KERNEL_IDS } from './helperThread';

const SCRATCH_ADDRESS = 1024;
const PAGE_BYTES = 65536;
/** The modules' memory maximum, 16384 pages: 1 GiB. */
const MAX_PAGES = 16384;
/**
 * Multiply-adds below which a job runs on the calling thread alone: about
 * 50 µs of work, near the 70 µs that a round trip to a sleeping helper took
 * on the machine of docs/benchmarks.md.
 */
const HELPER_MIN_WORK = 1 << 20;

/** The functions the modules of wat/ export. Addresses are byte offsets. */
export interface KernelExports {
  pack_strips(
    src: number,
    ld: number,
    k: number,
    cols: number,
    dst: number,
    stripRows: number,
  ): void;
  pack_transposed(
    src: number,
    ld: number,
    rows: number,
    k: number,
    dst: number,
    scale: number,
  ): void;
  softmax_row(src: number, dst: number, length: number, visible: number): void;
  attention_task(job: number, task: number, slot: number): void;
  linear_task(job: number, task: number, slot: number): void;
  add_bias(x: number, bias: number, rows: number, width: number): void;
  add(x: number, y: number, count: number): void;
  relu(x: number, count: number): void;
}

/** One parallel job: `tasks` independent tasks that write to the addresses in the job record. */
export interface Job {
  readonly kernel: KernelId;
  readonly tasks: number;
  /** Multiply-adds of the whole job, to decide whether the helper thread pays. */
  readonly work: number;
}

export type KernelChoice = 'wasm' | 'reference';

let choice: KernelChoice =
  globalThis.process?.env?.TINY_LLM_KERNELS === 'reference' ? 'reference' : 'wasm';
let helperAllowed = globalThis.process?.env?.TINY_LLM_THREADS !== '1';
let fusedAllowed = globalThis.process?.env?.TINY_LLM_FMA !== '0';
let runtime: KernelRuntime | null | undefined;

/**
 * Chooses the kernels the model uses from now on: 'wasm' (the default) or
 * 'reference', the readable TypeScript loops. `threads: false` keeps every
 * job on the calling thread. `fusedMultiplyAdd: false` keeps the matrix
 * product on plain SIMD where relaxed SIMD is available; it applies to a
 * runtime created afterwards.
 */
export function useKernels(
  kernels: KernelChoice,
  options: { threads?: boolean; fusedMultiplyAdd?: boolean } = {},
): void {
  choice = kernels;
  if (options.threads !== undefined) {
    helperAllowed = options.threads;
  }
  if (options.fusedMultiplyAdd !== undefined) {
    fusedAllowed = options.fusedMultiplyAdd;
  }
}

/** Returns the runtime, creating it on first use, or undefined when the readable kernels apply. */
export function kernelRuntime(): KernelRuntime | undefined {
  if (choice === 'reference') {
    return undefined;
  }
  if (runtime === undefined) {
    runtime = KernelRuntime.create() ?? null;
  }
  return runtime ?? undefined;
}

/**
 * Drops the runtime and its memory, which WebAssembly cannot shrink, and
 * stops the helper thread. The next kernel call creates a new runtime.
 */
export function releaseKernelRuntime(): void {
  runtime?.stop();
  runtime = undefined;
}

export class KernelRuntime {
  private floatView: Float32Array;
  private intView: Int32Array;
  private next = SCRATCH_ADDRESS;
  /** Start of the scratch space, after the arena. */
  private scratchStart = SCRATCH_ADDRESS;
  private helper: HelperThread | undefined;
  private helperStarted = false;
  /** Number of tasks the helper thread has computed, for tests and the benchmark. */
  helperTasks = 0;

  private constructor(
    readonly exports: KernelExports,
    private readonly memory: WebAssembly.Memory,
    private readonly modules: readonly WebAssembly.Module[],
    private readonly shared: boolean,
    /** Whether the matrix product uses relaxed SIMD's fused multiply-add. */
    readonly fusedMultiplyAdd: boolean,
  ) {
    this.floatView = new Float32Array(memory.buffer);
    this.intView = new Int32Array(memory.buffer);
    this.taskFunctions = [exports.attention_task, exports.linear_task];
  }

  /** The task functions by kernel id. */
  private readonly taskFunctions: readonly ((job: number, task: number, slot: number) => void)[];

  /** Compiles and instantiates the modules, or returns undefined where that fails. */
  static create(): KernelRuntime | undefined {
    // Shared memory is needed only for the helper thread, which needs Node.
    const shared =
      typeof SharedArrayBuffer === 'function' &&
      typeof globalThis.process?.getBuiltinModule === 'function';
    // The order that instantiateKernels() and the helper thread expect.
    const sources = shared
      ? [
          binary.GEMM_SHARED_MEMORY,
          binary.SOFTMAX_SHARED_MEMORY,
          binary.FORWARD_SHARED_MEMORY,
          binary.ELEMENTWISE_SHARED_MEMORY,
        ]
      : [
          binary.GEMM_PLAIN_MEMORY,
          binary.SOFTMAX_PLAIN_MEMORY,
          binary.FORWARD_PLAIN_MEMORY,
          binary.ELEMENTWISE_PLAIN_MEMORY,
        ];
    try {
      const bytes = sources.map(decodeBase64);
      if (typeof WebAssembly !== 'object' || !bytes.every((b) => WebAssembly.validate(b))) {
        return undefined; // no WebAssembly, or no SIMD
      }
      // The product with fused multiply-adds, where the host has relaxed SIMD.
      const fused = decodeBase64(
        shared ? binary.GEMM_FUSED_SHARED_MEMORY : binary.GEMM_FUSED_PLAIN_MEMORY,
      );
      const fusedMultiplyAdd = fusedAllowed && WebAssembly.validate(fused);
      if (fusedMultiplyAdd) {
        bytes[0] = fused;
      }
      const modules = bytes.map((b) => new WebAssembly.Module(b));
      const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared });
      const exports = instantiateKernels(modules, memory) as unknown as KernelExports;
      return new KernelRuntime(exports, memory, modules, shared, fusedMultiplyAdd);
    } catch {
      // A browser that refuses to compile synchronously on its main thread,
      // or a memory it cannot reserve: the readable kernels still work.
      return undefined;
    }
  }

  /** The memory as float32s, valid until the next allocation. */
  get floats(): Float32Array {
    return this.floatView;
  }

  /** The memory as int32s, valid until the next allocation. */
  get ints(): Int32Array {
    return this.intView;
  }

  /** Whether the memory is shared, so that views of it survive its growth. */
  get sharedMemory(): boolean {
    return this.shared;
  }

  /** The memory's size in bytes. */
  get memoryBytes(): number {
    return this.floatView.length * 4;
  }

  /** Frees every allocation since the arena. Each kernel call starts with this. */
  reset(): void {
    this.next = this.scratchStart;
  }

  /**
   * Replaces the arena with one of `bytes` bytes, 16-byte aligned, and
   * frees all scratch space. Returns its byte address, or undefined when the
   * memory cannot grow that far. It stays until the next call, while other
   * kernel calls use the scratch space after it.
   */
  reserveArena(bytes: number): number | undefined {
    this.scratchStart = SCRATCH_ADDRESS;
    this.next = SCRATCH_ADDRESS;
    const address = this.allocate(bytes);
    this.scratchStart = this.next;
    return address;
  }

  /**
   * Returns the byte address of `bytes` bytes of scratch memory, 16-byte
   * aligned and followed by 64 spare bytes, or undefined when the memory
   * cannot grow that far. The contents are whatever an earlier call left.
   */
  allocate(bytes: number): number | undefined {
    const address = this.next;
    const end = address + Math.ceil((bytes + 64) / 16) * 16;
    const size = this.floatView.length * 4;
    if (end > size) {
      const pages = Math.ceil((end - size) / PAGE_BYTES);
      if (size / PAGE_BYTES + pages > MAX_PAGES) {
        return undefined;
      }
      try {
        this.memory.grow(pages);
      } catch {
        return undefined; // the host could not commit the memory
      }
      // Reading `buffer` of a shared memory makes a new object, so only after growing.
      this.floatView = new Float32Array(this.memory.buffer);
      this.intView = new Int32Array(this.memory.buffer);
    }
    this.next = end;
    return address;
  }

  /** Frees the allocation at `address` and every later one. */
  rewind(address: number): void {
    if (address >= this.scratchStart && address < this.next) {
      this.next = address;
    }
  }

  /** Runs every task of `job`, whose record the caller wrote at JOB_ADDRESS. */
  run(job: Job): void {
    const task = this.taskFunctions[job.kernel];
    const helper = job.tasks > 1 && job.work >= HELPER_MIN_WORK ? this.startHelper() : undefined;
    // The tasks write their outputs themselves, so the slots stay unused (address 0).
    if (helper === undefined) {
      for (let index = 0; index < job.tasks; index++) {
        task(JOB_ADDRESS, index, 0);
      }
      return;
    }
    const { healthy, helperTasks } = runTasks({
      control: this.ints,
      kernel: job.kernel,
      tasks: job.tasks,
      ownSlot: 0,
      helperSlots: [0, 0],
      runTask: (index) => task(JOB_ADDRESS, index, 0),
      copyOut: () => undefined,
    });
    this.helperTasks += helperTasks;
    if (!healthy) {
      // The helper thread failed or stopped making progress, so run alone from now on.
      this.helper?.stop();
      this.helper = undefined;
    }
  }

  /** Stops the helper thread; the runtime runs every job on the calling thread from then on. */
  stop(): void {
    this.helper?.stop();
    this.helper = undefined;
    this.helperStarted = true;
  }

  private startHelper(): HelperThread | undefined {
    if (!helperAllowed || !this.shared) {
      return undefined;
    }
    if (!this.helperStarted) {
      this.helperStarted = true;
      this.helper = startHelperThread(this.memory, this.modules, this.ints);
    }
    return this.helper;
  }
}

/**
 * Instantiates the modules (gemm, softmax, forward and elementwise, in that
 * order) on `memory` and returns all their exports in one object. Softmax
 * imports a function of gemm, and forward functions of both.
 */
function instantiateKernels(
  modules: readonly WebAssembly.Module[],
  memory: WebAssembly.Memory,
): WebAssembly.Exports {
  const env = { memory };
  const gemm = new WebAssembly.Instance(modules[0], { env }).exports;
  const softmax = new WebAssembly.Instance(modules[1], { env, gemm }).exports;
  const forward = new WebAssembly.Instance(modules[2], { env, gemm, softmax }).exports;
  const elementwise = new WebAssembly.Instance(modules[3], { env }).exports;
  return { ...gemm, ...softmax, ...forward, ...elementwise };
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const characters = atob(text);
  const bytes = new Uint8Array(characters.length);
  for (let i = 0; i < characters.length; i++) {
    bytes[i] = characters.charCodeAt(i);
  }
  return bytes;
}
