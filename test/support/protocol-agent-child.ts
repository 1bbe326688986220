/**
 * A {@link ProtocolAgent} in a process of its own, so a test can SIGKILL it at a chosen point:
 *
 *   node --import tsx test/support/protocol-agent-child.ts <hang-after-apply|report>
 *
 * with FLOTILLA_HUB_URL and FLOTILLA_AGENT_CREDENTIAL in its environment. It long-polls until it
 * gets a job, fetches the job's bundle (its "apply") and prints `{"applied":…}` as one JSON line.
 * `hang-after-apply` then waits to be killed, never reporting; `report` reports the job
 * succeeded, prints `{"reported":…}` and exits.
 */
import { ProtocolAgent } from './protocol-agent.js';

const mode = process.argv[2];
if (mode !== 'hang-after-apply' && mode !== 'report') throw new Error(`unknown mode ${mode}`);
const agent = new ProtocolAgent(process.env.FLOTILLA_HUB_URL!);
agent.credential = process.env.FLOTILLA_AGENT_CREDENTIAL!;

let jobs = await agent.poll(10, 1);
while (jobs.length === 0) jobs = await agent.poll(10, 1);
const job = jobs[0];
if (job.bundleDigest) await agent.bundle(job.bundleDigest);
process.stdout.write(`${JSON.stringify({ applied: job.id, attempt: job.attempt })}\n`);
if (mode === 'hang-after-apply') {
  setInterval(() => undefined, 60_000);
} else {
  const res = await agent.succeed(job);
  process.stdout.write(`${JSON.stringify({ reported: job.id, attempt: job.attempt, status: res.status })}\n`);
}
