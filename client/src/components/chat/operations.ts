// The chat's GraphQL operations and the message shape its components share.
import { graphql } from '../../gql';
import type { ChatMessageFieldsFragment } from '../../gql/graphql';

graphql(`
  fragment ChatMessageFields on ChatMessage {
    id
    body
    kind
    createdAt
    author {
      id
      name
    }
  }
`);

export const ChatHistoryDocument = graphql(`
  query ChatHistory($eventId: ID!, $first: Int, $before: String, $withAnnouncements: Boolean!) {
    event(id: $eventId) {
      id
      announcements(first: 20) @include(if: $withAnnouncements) {
        ...ChatMessageFields
      }
      messages(first: $first, before: $before) {
        edges {
          node {
            ...ChatMessageFields
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

export const MessagePostedDocument = graphql(`
  subscription MessagePosted($eventId: ID!) {
    messagePosted(eventId: $eventId) {
      ...ChatMessageFields
    }
  }
`);

export const MessageDeletedDocument = graphql(`
  subscription MessageDeleted($eventId: ID!) {
    messageDeleted(eventId: $eventId)
  }
`);

export const PostMessageDocument = graphql(`
  mutation PostMessage($eventId: ID!, $body: String!) {
    postMessage(eventId: $eventId, body: $body) {
      ...ChatMessageFields
    }
  }
`);

export const PostAnnouncementDocument = graphql(`
  mutation PostAnnouncement($eventId: ID!, $body: String!) {
    postAnnouncement(eventId: $eventId, body: $body) {
      ...ChatMessageFields
    }
  }
`);

export const DeleteMessageDocument = graphql(`
  mutation DeleteMessage($id: ID!) {
    deleteMessage(id: $id)
  }
`);

export type Message = ChatMessageFieldsFragment;

export const byTime = (a: Message, b: Message) =>
  a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
