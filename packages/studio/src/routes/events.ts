import type { FastifyInstance } from 'fastify';
import type { StudioEvent } from '../api.ts';
import type { StudioContext } from '../context.ts';

/**
 * `GET /api/events`: Server-Sent Events — run rows as they change, training progress of running runs, log lines
 * and launch outcomes. A comment every 15 s keeps proxies and SSH tunnels from closing an idle stream.
 */
export function eventRoutes(app: FastifyInstance, ctx: StudioContext): void {
  app.get('/api/events', (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const send = (event: StudioEvent) => {
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    const unsubscribe = ctx.live.subscribe(send);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
    };
    request.raw.on('close', close);
    res.on('error', close);
  });
}
