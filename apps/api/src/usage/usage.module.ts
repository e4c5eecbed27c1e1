import { Module } from '@nestjs/common';
import { EventsController, UsageController } from './usage.controller';
import { UsageService } from './usage.service';

/** Usage series and rejected events, read from ClickHouse through @mu/usage (docs/analytics.md). */
@Module({ controllers: [UsageController, EventsController], providers: [UsageService] })
export class UsageModule {}
