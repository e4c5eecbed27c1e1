import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { HealthRegistry, type ReadinessReport } from '../health/health';
import { PublicRoute } from './public';
import { HEALTH } from './tokens';

@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(@Inject(HEALTH) private readonly health: HealthRegistry) {}

  /** The process is up and its event loop turns. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Every dependency answers and the service is not draining; 503 otherwise. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessReport> {
    const report = await this.health.readiness();
    void reply.code(report.status === 'ready' ? 200 : 503);
    return report;
  }
}
