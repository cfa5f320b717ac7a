/** A child process of bench/fleet.ts: runs the seeds it is sent, one at a time, and sends back each result. */
import { runSeed, type Cell } from "./fleet-sim";

process.on("message", (job: { seed: number; cell: Cell }) => {
  void runSeed(job.seed, job.cell).then((result) => process.send?.(result));
});
