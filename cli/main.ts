import { runCli } from './commands';

// Entry of the `remediate` bin (cli/remediate.js loads this through tsx).
runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
