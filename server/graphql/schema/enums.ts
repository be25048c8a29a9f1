import {
  Channel,
  CustomerKind,
  IncidentKind,
  Language,
  MaintenanceKind,
  NotificationKind,
  NotificationStatus,
  PortPhase,
  RecipientRole,
  RequestStatus,
  Role,
  ServerSource,
  ApiTokenScope,
} from '../../generated/prisma/enums.ts';
import { builder } from '../builder.ts';

export const RoleEnum = builder.enumType(Role, { name: 'Role' });
export const CustomerKindEnum = builder.enumType(CustomerKind, { name: 'CustomerKind' });
export const LanguageEnum = builder.enumType(Language, { name: 'Language' });
export const ServerSourceEnum = builder.enumType(ServerSource, { name: 'ServerSource' });
export const MaintenanceKindEnum = builder.enumType(MaintenanceKind, { name: 'MaintenanceKind' });
export const PortPhaseEnum = builder.enumType(PortPhase, { name: 'PortPhase' });
export const IncidentKindEnum = builder.enumType(IncidentKind, { name: 'IncidentKind' });
export const NotificationKindEnum = builder.enumType(NotificationKind, { name: 'NotificationKind' });
export const ChannelEnum = builder.enumType(Channel, { name: 'Channel' });
export const RecipientRoleEnum = builder.enumType(RecipientRole, { name: 'RecipientRole' });
export const NotificationStatusEnum = builder.enumType(NotificationStatus, {
  name: 'NotificationStatus',
  description:
    "The seed's MAIL/SMS column. YES sent; NO not sent because the switch was off; FAILED rejected, bounced or refused; READ the mail was opened; DELIVERED the carrier confirmed the SMS; QUEUED/SENDING on the way.",
});
export const RequestStatusEnum = builder.enumType(RequestStatus, { name: 'RequestStatus' });
export const ApiTokenScopeEnum = builder.enumType(ApiTokenScope, {
  name: 'ApiTokenScope',
  description:
    'READ: queries and subscriptions only. READ_WRITE: also mutations. Neither manages tokens (that needs a signed-in session).',
});
