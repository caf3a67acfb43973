/**
 * Runs the ProjectManager.com simulator in a process of its own, as a remote provider would be,
 * so that the benchmark's client and "provider" do not share one event loop. Prints its URL.
 */
import { ProjectManagerSimulator } from '../src/sandbox/projectmanager/server.js';

const latencyMs = Number(process.argv[2] ?? 20);
const people = Number(process.argv[3] ?? 500);
const simulator = await new ProjectManagerSimulator({ latencyMs, people }).start();
process.stdout.write(`${simulator.url}\n`);
process.stdin.on('end', () => void simulator.stop().then(() => process.exit(0)));
process.stdin.resume();
