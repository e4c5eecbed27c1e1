import { Module } from '@nestjs/common';
import { PeriodCloseService } from './period-close.service';

/** Period close (libs/billing). NATS, ClickHouse, Postgres, config and logger come from PlatformModule. */
@Module({ providers: [PeriodCloseService], exports: [PeriodCloseService] })
export class CloseModule {}
