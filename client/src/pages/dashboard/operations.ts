// The dashboard's GraphQL operations and the event shape its components share.
import { graphql } from '../../gql';
import type { DashboardQuery } from '../../gql/graphql';

graphql(`
  fragment DashboardEvent on Event {
    id
    title
    description
    category
    venue
    city
    address
    startsAt
    timeZone
    currency
    status
    tiers {
      id
      name
      description
      priceCents
      capacity
      available
      sold
      held
    }
  }
`);

export const DashboardDocument = graphql(`
  query Dashboard {
    me {
      id
      role
      organizedEvents {
        ...DashboardEvent
      }
    }
  }
`);

export const CreateEventDocument = graphql(`
  mutation CreateEvent($input: CreateEventInput!) {
    createEvent(input: $input) {
      ...DashboardEvent
    }
  }
`);

export const AddTierDocument = graphql(`
  mutation AddTier($eventId: ID!, $input: TicketTierInput!) {
    addTicketTier(eventId: $eventId, input: $input) {
      id
      name
      priceCents
      capacity
      available
      event {
        id
        tiers {
          id
          name
          priceCents
          capacity
          available
        }
      }
    }
  }
`);

export const UpdateEventDocument = graphql(`
  mutation UpdateEvent($id: ID!, $input: UpdateEventInput!) {
    updateEvent(id: $id, input: $input) {
      ...DashboardEvent
    }
  }
`);

export const DeleteEventDocument = graphql(`
  mutation DeleteEvent($id: ID!) {
    deleteEvent(id: $id)
  }
`);

export const UpdateTierDocument = graphql(`
  mutation UpdateTier($id: ID!, $input: UpdateTicketTierInput!) {
    updateTicketTier(id: $id, input: $input) {
      id
      name
      description
      priceCents
      capacity
      available
    }
  }
`);

export const PublishEventDocument = graphql(`
  mutation PublishEvent($id: ID!) {
    publishEvent(id: $id) {
      id
      status
    }
  }
`);

export const CancelEventDocument = graphql(`
  mutation CancelEvent($id: ID!) {
    cancelEvent(id: $id) {
      id
      status
    }
  }
`);

export type OrganizedEvent = NonNullable<DashboardQuery['me']>['organizedEvents'][number];
