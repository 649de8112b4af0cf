// @ts-check
const { readFileSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

/**
 * jest's order (failed first, then slowest first from its cache, else biggest file first), with one change for the
 * assemblies the infra tests share (test/infra/shared-assembly.ts): the first file to ask for one builds it (the
 * bundled one takes about 20 s) and every other file that asks waits, its worker idle. Left to jest, the files that
 * wait look slow (their wait is counted), so they were all started first, together, and two of the three workers sat
 * idle while the third bundled. Here the first file of each shared assembly starts first and the other files that
 * read it start last, once it is long built; every other file keeps jest's order in between.
 */
const BUNDLED = /sharedBundledTemplate\(|sharedBundleOf\(|synthWorkflowFunctions\(|bundledApp\(|bundledAssembly\(|bundle: true|enable-flow-logs-synth/;
const UNBUNDLED = /sharedRemediationTemplate\(/;

class SharedAssemblyBuildersFirst extends Sequencer {
  async sort(tests) {
    const ordered = await super.sort(tests);
    const kind = (test) => {
      const text = readFileSync(test.path, 'utf8');
      return BUNDLED.test(text) ? 'bundled' : UNBUNDLED.test(text) ? 'unbundled' : undefined;
    };
    const builders = [];
    const readers = [];
    const rest = [];
    const built = new Set();
    for (const test of ordered) {
      const shared = kind(test);
      if (!shared) rest.push(test);
      else if (built.has(shared)) readers.push(test);
      else {
        built.add(shared);
        builders.push(test);
      }
    }
    return [...builders, ...rest, ...readers];
  }
}

module.exports = SharedAssemblyBuildersFirst;
