// The entry of the `arbiter` executable (bin/arbiter.js loads it): runs the command line once with
// this process's arguments. The program itself is src/cli/program.ts.
import { hideBin } from 'yargs/helpers';
import { main } from './program.ts';

await main(hideBin(process.argv));
