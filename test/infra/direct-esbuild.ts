import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Workaround for a cost of aws-cdk-lib's NodejsFunction bundling (2.276): with esbuild installed in the
 * project and a package-lock.json, every function is bundled by `npx --no-install esbuild ...`, and npx
 * takes about half a second to start each time (the esbuild run itself a few milliseconds).
 *
 * This writes an `npx` that answers exactly that command with the project's esbuild binary and the same
 * arguments, and hands anything else to the real npx; test/global-setup.ts puts its folder first on the
 * PATH of the test run. The bundles are the same bytes either way.
 *
 * How to tell it is no longer needed: `PackageManager.fromLockFile` in
 * aws-cdk-lib/aws-lambda-nodejs/lib/package-manager.js no longer runs npm binaries with `npx --no-install`
 * (or the "Bundling asset" lines no longer take most of a second each without it).
 */
export function writeDirectEsbuildNpx(realPath: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediation-direct-esbuild-'));
  const esbuild = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'esbuild');
  writeFileSync(path.join(dir, 'npx'), [
    '#!/bin/sh',
    `if [ "$1" = "--no-install" ] && [ "$2" = "esbuild" ]; then shift 2; exec ${JSON.stringify(esbuild)} "$@"; fi`,
    `PATH=${JSON.stringify(realPath)} exec npx "$@"`,
    '',
  ].join('\n'));
  chmodSync(path.join(dir, 'npx'), 0o755);
  return dir;
}
