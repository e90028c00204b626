/**
 * @module rules/event-shape
 * The parts of an event the sandbox reads after the schema has accepted it. The schema guarantees
 * these types, so a body that passed validation can be read through them without further checks.
 */

export interface CheckedUserData {
  readonly [key: string]: unknown;
  readonly em?: readonly string[];
  readonly hashed_maids?: readonly string[];
  readonly external_id?: readonly string[];
  readonly client_ip_address?: string;
  readonly client_user_agent?: string;
  readonly click_id?: string | null;
}

export interface CheckedContent {
  readonly id?: string;
  readonly item_price?: string;
}

export interface CheckedCustomData {
  readonly value?: string | null;
  readonly currency?: string | null;
  readonly content_ids?: readonly string[];
  readonly contents?: readonly CheckedContent[];
  readonly order_id?: string | null;
  readonly opt_out_type?: string | null;
  readonly predicted_ltv?: string | null;
}

export interface CheckedEvent {
  readonly event_name: string;
  readonly action_source: string;
  readonly event_time: number;
  readonly event_id: string;
  readonly user_data: CheckedUserData;
  readonly custom_data?: CheckedCustomData;
  readonly event_source_url?: string | null;
  readonly partner_name?: string | null;
  readonly language?: string | null;
}

export interface CheckedBody {
  readonly data: readonly CheckedEvent[];
}
