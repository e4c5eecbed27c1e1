import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { metricsRegistry } from '../metrics/metrics';
import { PublicRoute } from './public';

/**
 * Prometheus metrics of this process, on the service's own HTTP port. Not in the API's
 * OpenAPI document: it is for the scraper, not for tenants.
 */
@ApiExcludeController()
@PublicRoute()
@Controller('metrics')
export class MetricsController {
  @Get()
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', metricsRegistry.contentType);
    return metricsRegistry.metrics();
  }
}
