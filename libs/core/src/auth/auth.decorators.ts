import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Principal } from './principal';
import type { UserRole } from '../entities/enums';
import type { Action } from './permissions';

export const PUBLIC_KEY = 'auth:public';
export const ROLES_KEY = 'auth:roles';
export const ALLOW_BOTS_KEY = 'auth:bots';
export const INBOX_TOKEN_KEY = 'auth:inbox-token';

/** No credentials needed (health, login). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
/** Only users with one of these roles. */
export const Roles = (...roles: UserRole[]) => SetMetadata(ROLES_KEY, roles);
/** Bot tokens are accepted here as well as user JWTs. */
export const AllowBots = () => SetMetadata(ALLOW_BOTS_KEY, true);
/**
 * The inbox's own token (API channel pushes) is accepted here. `confirmedByWrite`: the handler's
 * write checks the token against the inbox row itself (ingest's storing statement does), so the
 * guard may recognise a token it has seen before without a lookup of its own; the principal then
 * carries `unconfirmedTokenHash` for the write to check.
 */
export const AllowInboxToken = (opts: { confirmedByWrite?: boolean } = {}) => SetMetadata(INBOX_TOKEN_KEY, opts.confirmedByWrite ? 'confirmed-by-write' : true);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest().principal);

export const CAN_KEY = 'auth:can';
/**
 * The route performs `action` of the one permission policy (permissions.ts): the guard lets
 * through exactly the actors the table names, bots included when it names them.
 */
export const Can = (action: Action) => SetMetadata(CAN_KEY, action);
