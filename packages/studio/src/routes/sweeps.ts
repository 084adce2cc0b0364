import type { FastifyInstance } from 'fastify';
import type { StudioContext } from '../context.ts';

/** Sweeps and their trials (each trial's run opens like any other run). */
export function sweepRoutes(app: FastifyInstance, ctx: StudioContext): void {
  app.get('/api/sweeps', async () => ({ sweeps: ctx.sweeps.list() }));
  app.get('/api/sweeps/:id', async (request) => ctx.sweeps.detail((request.params as { id: string }).id));
}
