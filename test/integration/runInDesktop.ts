/**
 * Runs the integration suite in desktop VS Code with @vscode/test-electron,
 * which downloads VS Code on first use, so it needs access to the VS Code
 * download servers. Machines without them use runInCodeServer.js, which runs
 * the same suite in code-server.
 *
 * Usage: npm run test:desktop (after `npm run build` and `tsc -p tsconfig.json`).
 * VSCODE_VERSION picks the VS Code version, default "stable".
 */
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  // This file compiles to out/test/integration/, three levels below the repository.
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(__dirname, 'index'),
      // The suite opens its documents from the workspace folder.
      launchArgs: [
        path.join(repoRoot, 'samples'),
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
      ],
    });
  } catch (error) {
    console.error(
      'Integration tests in desktop VS Code failed:',
      error instanceof Error ? error.message : error,
    );
    process.exit(1);
  }
}

void main();
