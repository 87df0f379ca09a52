/**
 * The one vocabulary of the product: channel kinds, roles, statuses. The server's entities, the
 * routing engine, the channels, the web app and the widget all import it from here.
 */
export const CHANNEL_KINDS = ['api', 'email', 'webchat', 'slack', 'whatsapp', 'messenger', 'instagram', 'telegram', 'x', 'phone'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export const USER_ROLES = ['admin', 'coordinator', 'agent'] as const;
export type UserRole = (typeof USER_ROLES)[number];
export const CONVERSATION_STATUSES = ['open', 'pending', 'snoozed', 'resolved', 'bot'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
export const MESSAGE_DIRECTIONS = ['inbound', 'outbound'] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];
// `call`: a phone call in the timeline (direction, status, duration... in metadata.call).
export const MESSAGE_KINDS = ['message', 'note', 'activity', 'call'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
export const AUTHOR_TYPES = ['contact', 'user', 'bot', 'system'] as const;
export type AuthorType = (typeof AUTHOR_TYPES)[number];
// `sending`: an attempt is on the wire (marked before the network call, settled after it).
export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const PRIORITIES = [0, 1, 2, 3] as const; // low, normal, high, urgent
export const ROUTING_STRATEGIES = ['least_busy', 'round_robin', 'manual'] as const;
export type RoutingStrategyName = (typeof ROUTING_STRATEGIES)[number];
