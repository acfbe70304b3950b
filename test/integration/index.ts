/**
 * Entry point of the integration suite, loaded inside a VS Code extension
 * host. `run()` has the signature that @vscode/test-electron expects of an
 * `extensionTestsPath` module, and `runSuite()` returns every test's outcome
 * for hosts that report results themselves (the code-server runner's host
 * extension in host-extension/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { SuiteOptions, setSuiteOptions } from './support';

/** Outcome of one test, or of a hook that failed. */
export interface TestOutcome {
  readonly title: string;
  readonly state: 'passed' | 'failed' | 'pending';
  readonly durationMs?: number;
  readonly error?: string;
}

/** Outcome of the whole suite, as the host extension writes it to JSON. */
export interface SuiteResult {
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
  readonly tests: TestOutcome[];
  readonly failures: { title: string; error: string }[];
}

/** Per-test timeout. The first Predict activates the extension and can take a few seconds on 2 cores. */
const TEST_TIMEOUT_MS = 60_000;

function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.stack ?? `${error.name}: ${error.message}`;
  }
  return String(error);
}

/** Runs every `*.test.js` file next to this one with mocha and collects each test's outcome. */
export async function runSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  setSuiteOptions(options);
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: TEST_TIMEOUT_MS });
  const testFiles = fs
    .readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.js'))
    .sort();
  if (testFiles.length === 0) {
    throw new Error(
      `No *.test.js files found in ${__dirname}. Run \`tsc -p tsconfig.json\` first.`,
    );
  }
  for (const name of testFiles) {
    mocha.addFile(path.join(__dirname, name));
  }

  const tests: TestOutcome[] = [];
  // mocha.run() requires the files, so a test file that fails to load rejects here.
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (test) => {
      tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration });
    });
    runner.on('pending', (test) => {
      tests.push({ title: test.fullTitle(), state: 'pending' });
    });
    // 'fail' also reports failed hooks, whose tests then never run.
    runner.on('fail', (test, error) => {
      tests.push({
        title: test.fullTitle(),
        state: 'failed',
        durationMs: test.duration,
        error: describeError(error),
      });
    });
  });

  const failures = tests
    .filter((test) => test.state === 'failed')
    .map((test) => ({ title: test.title, error: test.error ?? '' }));
  return {
    passed: tests.filter((test) => test.state === 'passed').length,
    failed: failures.length,
    pending: tests.filter((test) => test.state === 'pending').length,
    tests,
    failures,
  };
}

/** Runs the suite and rejects if any test failed, as @vscode/test-electron expects. */
export async function run(): Promise<void> {
  const result = await runSuite();
  if (result.failed > 0) {
    throw new Error(`${result.failed} integration test(s) failed.`);
  }
}
