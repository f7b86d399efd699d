import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';

import { freePort } from './free-port';
import { waitFor } from './wait-for';

/** A throwaway redis-server on loopback, with a password and nothing persisted. */
export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

function answersPing(port: number, password: string): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () =>
      socket.write(`AUTH ${password}\r\nPING\r\n`),
    );
    let reply = '';
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('PONG')) {
        socket.destroy();
        resolvePing(true);
      }
    });
    socket.on('error', () => resolvePing(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolvePing(false);
    });
  });
}

/** Starts redis-server as compose.multi.yaml runs it (password, no persistence). */
export async function startRedis(password: string): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--requirepass',
      password,
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(() => answersPing(port, password), 'redis-server to answer PING', 20_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis://:${password}@127.0.0.1:${port}/0`, stop };
}
