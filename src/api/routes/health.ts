// GET /healthz: liveness, and whether this process reaches Temporal.
import type { Connection } from '@temporalio/client';
import type { RouteDef, RouteEnv } from '../route-table';

/** The health route. */
export function healthRoutes(env: RouteEnv): RouteDef[] {
  return [
    {
      method: 'get',
      path: '/healthz',
      summary: 'Liveness and Temporal reachability',
      permission: null,
      async handle() {
        try {
          await (env.client.connection as Connection).healthService.check({});
          return { body: { status: 'ok', temporal: 'reachable', policyVersion: env.policy.version } };
        } catch {
          return { status: 503, body: { status: 'degraded', temporal: 'unreachable' } };
        }
      },
    },
  ];
}
