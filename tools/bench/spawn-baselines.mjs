// Baselines for the execute latency of the API, measured in the same run as the API itself:
// raw zsh (spawn `zsh -c 'echo hi'` and collect its output), and a bare Node HTTP server that
// spawns the same script per request and answers JSON — the limit for a server of our shape.
import { spawn } from 'node:child_process';
import { createServer, Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** Runs `zsh -c <script>` once; resolves with its stdout. */
export function runZsh(script) {
  return new Promise((resolve, reject) => {
    const child = spawn('zsh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`zsh exited ${code}`)),
    );
  });
}

/** Time (ms) of one raw zsh spawn that runs `script` and hands back its output. */
export async function rawZshOnce(script) {
  const started = performance.now();
  await runZsh(script);
  return performance.now() - started;
}

/**
 * Starts a bare Node HTTP server that spawns `zsh -c <script>` per request and answers
 * `{"stdout", "return_code"}`; `once()` times one POST to it from one keep-alive client.
 */
export async function startBareServer(script) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      runZsh(script).then(
        (stdout) => {
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify({ success: true, stdout, return_code: 0 }));
        },
        (error) => {
          res.statusCode = 500;
          res.end(JSON.stringify({ error: String(error) }));
        },
      );
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const req = request(
        { host: '127.0.0.1', port, path: '/', method: 'POST', agent },
        (response) => {
          response.resume();
          response.on('end', () => resolve(performance.now() - started));
        },
      );
      req.on('error', reject);
      req.end('{"env_vars":{}}');
    });
  const close = async () => {
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return { once, close };
}
