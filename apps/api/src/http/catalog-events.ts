import { Inject, Injectable } from '@nestjs/common';
import { CatalogChanged, encodeMessage, Subjects, type CatalogChangedV1 } from '@mu/contracts';
import { LOGGER, NATS, type Logger } from '@mu/platform';
import type { NatsConnection } from 'nats';

/**
 * Announces catalog changes on core NATS (`catalog.changed.v1`) so services that cache
 * customers, meters or plans refresh. Sent after the change committed; a lost announcement
 * costs only staleness until the cache's own expiry, never a wrong invoice (billing reads
 * Postgres at period close).
 */
@Injectable()
export class CatalogEvents {
  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  announce(
    tenantId: string,
    kind: CatalogChangedV1['kind'],
    id: string,
    action: CatalogChangedV1['action'],
  ): void {
    try {
      this.nc.publish(
        Subjects.catalogChanged,
        encodeMessage(CatalogChanged, { tenantId, kind, id, action, at: new Date().toISOString() }),
      );
    } catch (err) {
      this.logger.warn({ err, tenantId, kind, id }, 'catalog change not announced');
    }
  }
}
