import { Module, type DynamicModule } from '@nestjs/common';
import { QuoteService } from './quote.service';
import { RPC_SUBJECT_PREFIX, TaxRpcServer } from './rpc.server';
import { TaxRepository } from './tax.repository';

/** Tax quotes and FX conversion over NATS request/reply. NATS, Postgres and config come from PlatformModule. */
@Module({})
export class QuoteModule {
  /**
   * `subjectPrefix` is a seam for tests that share one NATS server: their service answers on
   * `<prefix>.tax.quote.v1` so no other tax service on that server takes their requests. Production
   * leaves it empty and answers the subjects of @mu/contracts.
   */
  static forRoot(opts: { subjectPrefix?: string } = {}): DynamicModule {
    return {
      module: QuoteModule,
      providers: [
        TaxRepository,
        QuoteService,
        TaxRpcServer,
        { provide: RPC_SUBJECT_PREFIX, useValue: opts.subjectPrefix ?? '' },
      ],
    };
  }
}
