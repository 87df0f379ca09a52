// First: the compile cache covers the modules loaded after it.
import './compile-cache';
import { ConfigError } from '@inbox/core';
import { startServer } from './server';

async function main(): Promise<void> {
  const server = await startServer();
  const { url, admin } = server;
  const lines = ['', `  Omnichannel inbox is running: ${url}`, ...(server.config.apiDocs ? [`  API docs:   ${url}/api/docs`] : []), `  Health:     ${url}/api/v1/health`];
  if (admin.generatedPassword) lines.push(`  Admin login: ${admin.email} / ${admin.generatedPassword}   (shown once: change it after logging in)`);
  else if (admin.created) lines.push(`  Admin login: ${admin.email} / the ADMIN_PASSWORD you set`);
  else lines.push(`  Admin login: ${admin.email} (existing account)`);
  lines.push(`  Started in ${server.startupMs} ms`, '');
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: shutting down...\n`);
    const force = setTimeout(() => process.exit(1), 15000);
    force.unref();
    try {
      await server.close();
      process.exit(0);
    } catch (err) {
      process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`Failed to start: ${err?.stack ?? err}\n`);
  process.exit(1);
});
