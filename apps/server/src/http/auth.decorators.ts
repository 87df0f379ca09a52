// The decorators live in core so channel libraries can mark their webhook routes too.
export { ALLOW_BOTS_KEY, AllowBots, CAN_KEY, Can, AllowInboxToken, CurrentPrincipal, INBOX_TOKEN_KEY, PUBLIC_KEY, Public, ROLES_KEY, Roles } from '@inbox/core';
