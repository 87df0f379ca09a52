export * from './api/api-channel.adapter';
export * from './api/api-channel.module';
export * from './channels.module';
