// Worker thread of ForecastPool: forecasts the resources it is sent (pure domain code, no I/O).
import { parentPort } from 'node:worker_threads';
import { runForecastJob, type WorkerReply, type WorkerRequest } from './forecast-pool.js';

parentPort!.on('message', ({ id, jobs }: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id, entries: jobs.map(runForecastJob) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  parentPort!.postMessage(reply);
});
