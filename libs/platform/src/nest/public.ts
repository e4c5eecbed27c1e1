import { SetMetadata } from '@nestjs/common';

/** Metadata key marking routes that need no credentials (health, API docs). */
export const PUBLIC_ROUTE = 'mu:public-route';
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);
