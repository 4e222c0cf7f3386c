import { useState } from 'react';
import { EventAudience } from '../../components/EventAudience';
import { useTicketsSold, type SalesUpdate } from '../../session/live';
import { AddTierForm } from './AddTierForm';
import { AnnouncementForm } from './AnnouncementForm';
import { EditTierForm } from './EditTierForm';
import { EventHeader } from './EventHeader';
import { SalesPanel } from './SalesPanel';
import type { OrganizedEvent } from './operations';
import { WaitingRoomControl } from '../../components/WaitingRoomControl';

export function EventManager({
  event,
  onDeleted,
  onSale,
}: {
  event: OrganizedEvent;
  onDeleted: () => void;
  onSale: () => void;
}) {
  const [sales, setSales] = useState<SalesUpdate[]>([]);
  const [editingTier, setEditingTier] = useState<string | null>(null);
  useTicketsSold(event.id, event.status === 'ON_SALE', (sale) => {
    setSales((list) => [sale, ...list].slice(0, 20));
    // The sold and held counters come with a fresh read (a sale only says what is available).
    onSale();
  });

  // Null when the tickets service cannot answer: the event still shows, without tiers.
  const tiers = event.tiers ?? [];

  return (
    <div className="manager">
      <EventHeader event={event} tierCount={tiers.length} onDeleted={onDeleted} />

      <SalesPanel event={event} sales={sales} onEditTier={setEditingTier} />

      {editingTier && tiers.some((t) => t.id === editingTier) && (
        <EditTierForm
          key={editingTier}
          tier={tiers.find((t) => t.id === editingTier)!}
          currency={event.currency}
          onDone={() => setEditingTier(null)}
        />
      )}
      {event.status !== 'DRAFT' && <EventAudience eventId={event.id} title={event.title} />}
      {event.status !== 'CANCELLED' && <AddTierForm eventId={event.id} currency={event.currency} />}
      {event.status !== 'CANCELLED' && (
        <WaitingRoomControl eventId={event.id} timeZone={event.timeZone} />
      )}
      {event.status === 'ON_SALE' && <AnnouncementForm eventId={event.id} />}
    </div>
  );
}
