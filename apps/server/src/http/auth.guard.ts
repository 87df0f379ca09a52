import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Action, DomainError, Principal, UserRole, assertCan } from '@inbox/core';
import { ALLOW_BOTS_KEY, CAN_KEY, INBOX_TOKEN_KEY, PUBLIC_KEY, ROLES_KEY } from './auth.decorators';
import { TokenService } from '../auth/token.service';

/** Global guard: every route needs a user unless it says otherwise; roles are checked here, on every route. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest();
    const header: string | undefined = req.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    const inboxToken = this.reflector.getAllAndOverride<boolean | 'confirmed-by-write'>(INBOX_TOKEN_KEY, targets);
    const principal: Principal = await this.tokens.resolve(match?.[1], { inboxTokenConfirmedByWrite: inboxToken === 'confirmed-by-write' });
    req.principal = principal;
    const action = this.reflector.getAllAndOverride<Action>(CAN_KEY, [ctx.getHandler()]);
    if (action && principal.type !== 'inbox') {
      // The policy table decides, for bots as for users (the socket handlers read the same table).
      assertCan(principal, action);
      return true;
    }
    if (principal.type === 'bot' && !this.reflector.getAllAndOverride<boolean>(ALLOW_BOTS_KEY, targets)) {
      throw new DomainError('FORBIDDEN', 'bot tokens cannot use this endpoint');
    }
    if (principal.type === 'inbox' && !inboxToken) {
      throw new DomainError('FORBIDDEN', 'an inbox token can only push incoming messages to its inbox');
    }
    const roles = this.reflector.getAllAndOverride<UserRole[]>(ROLES_KEY, targets);
    if (roles?.length && principal.type === 'user' && !roles.includes(principal.role)) {
      throw new DomainError('FORBIDDEN', `this needs the ${roles.join(' or ')} role`);
    }
    return true;
  }
}
