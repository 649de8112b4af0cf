#!/usr/bin/env node
// The `remediate` command: TypeScript run through tsx, so the CLI and the workflows share one source tree.
require('tsx/cjs');
require('./main.ts');
