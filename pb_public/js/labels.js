// French wording of every code the server or the app produces. Kept in one
// table so that a new server code only needs one line here, and so that the
// user never sees an English server message when we know the code.

export const ROLES = {
  organizer: 'Organisateur',
  party_admin: 'Responsable sécurité du parti',
  officer: 'Agent de police',
  commander: "Chef d'unité",
  director: 'Directeur départemental (DDPR)',
  ministry: 'Ministère (DPPAE)',
};

export const EVENT_KINDS = {
  meeting: 'Meeting',
  rally: 'Rassemblement',
  caravan: 'Caravane',
  march: 'Marche',
  door_to_door: 'Porte-à-porte',
};

export const EVENT_STATUS = {
  declared: 'Déclaré',
  cancelled: 'Annulé',
  in_progress: 'En cours',
  completed: 'Terminé',
};

export const SECURITY_NEEDS = {
  escort: 'Escorte',
  crowd_control: 'Gestion de foule',
  vip_protection: 'Protection de personnalité',
  traffic: 'Circulation',
  medical: 'Secours médical',
};

export const ASSIGNMENT_ROLES = {
  lead: 'Unité responsable',
  support: 'Appui',
  oversight: 'Supervision',
};

export const ASSIGNMENT_STATUS = {
  pending: 'En attente',
  acknowledged: 'Pris en compte',
  adjustment_requested: 'Ajustement demandé',
  escalated: 'Escaladé',
};

export const INCIDENT_KINDS = {
  disorder: 'Trouble à l’ordre public',
  violence: 'Violences',
  obstruction: 'Obstruction',
  threat: 'Menace',
  accident: 'Accident',
  other: 'Autre',
};

export const INCIDENT_STATUS = {
  unverified: 'Non vérifié',
  verified: 'Vérifié',
  closed: 'Clos',
};

export const SEVERITY = {
  1: '1 — faible',
  2: '2 — moyenne',
  3: '3 — grave',
  4: '4 — critique',
};

export const UNIT_KINDS = {
  directorate: 'Direction départementale',
  commissariat: 'Commissariat',
};

// Machine codes → French explanations. Server codes come from DESIGN §4
// (jurisdiction rules), the sync push protocol, PocketBase validation and
// receipt verification; "local_*" codes are the app's own pre-checks.
export const ERRORS = {
  // Jurisdiction rules (J1–J12)
  outside_territory: 'Le point indiqué est hors du territoire du Bénin.',
  location_mismatch: 'La commune ou l’arrondissement choisi ne correspond pas à la position GPS.',
  location_required: 'Indiquez une commune, un arrondissement ou une position GPS.',
  outside_campaign: 'Les dates doivent être comprises dans la période de campagne électorale.',
  party_not_admitted: 'Ce parti n’est pas admis à cette élection.',
  quiet_hours: 'Les meetings et rassemblements sont interdits entre 23 h et 7 h.',
  sound_hours: 'Un véhicule sonorisé n’est autorisé qu’entre 7 h et 13 h et entre 15 h et 23 h.',
  invalid_window: 'L’heure de fin doit être postérieure à l’heure de début.',
  election_inactive: 'Cette élection n’est pas active.',
  election_required: 'Aucune élection active ne concerne votre parti.',
  server_field: 'Ce champ est rempli par le serveur et ne peut pas être modifié.',
  forbidden: 'Vous n’avez pas le droit d’effectuer cette opération.',
  forbidden_field: 'Vous n’avez pas le droit de modifier ce champ.',
  invalid_status_transition: 'Ce changement de statut n’est pas permis.',
  event_closed: 'Cet événement est clos (annulé ou terminé) et ne peut plus être modifié.',
  reason_required: 'Un motif est obligatoire.',
  conflict: 'Quelqu’un d’autre a modifié ces champs entre-temps.',
  not_found: 'L’enregistrement n’existe plus ou ne vous est plus visible.',
  coverage_conflict: 'Cette zone est déjà couverte par une autre unité.',
  coverage_outside_departement: 'La couverture d’un commissariat doit rester dans son département.',
  unknown_place: 'Commune ou arrondissement inconnu du serveur.',
  unknown_election: 'Élection inconnue.',
  unknown_event: 'Événement inconnu.',
  no_directorate: 'Aucune direction départementale n’est définie pour ce lieu.',
  invalid_route: 'Parcours invalide : chaque point doit avoir une latitude et une longitude.',
  route_too_long: 'Parcours trop long : réduisez le nombre de points.',
  invalid_officers: 'Effectif invalide.',
  invalid_phone: 'Numéro de téléphone invalide : par exemple 97 00 00 00 ou +229 97 00 00 00.',
  invalid_unit: 'Unité invalide.',
  already_exists: 'Cet enregistrement existe déjà sur le serveur.',
  invalid_base_version: 'Votre copie locale ne correspond pas au serveur : synchronisez puis recommencez.',
  unknown_commune: 'Commune inconnue.',
  unknown_arrondissement: 'Arrondissement inconnu.',
  invalid_point: 'Coordonnées GPS invalides.',
  no_boundaries: 'Les limites administratives ne sont pas encore chargées sur le serveur : choisissez la commune.',
  party_required: 'Un compte de parti doit être rattaché à un parti.',
  unit_required: 'Un compte de police doit être rattaché à une unité.',
  rate_limited: 'Trop de requêtes : réessayez dans une minute.',
  // Sync protocol
  too_large: 'Envoi trop volumineux.',
  too_many_mutations: 'Trop de modifications dans un seul envoi.',
  invalid_json: 'Requête mal formée.',
  invalid_request: 'Requête invalide.',
  bad_base: 'Votre copie locale est périmée : rechargez les données.',
  // PocketBase validation codes
  validation_required: 'Champ obligatoire.',
  validation_invalid_value: 'Valeur invalide.',
  validation_not_unique: 'Cette valeur existe déjà.',
  validation_invalid_email: 'Adresse e-mail invalide.',
  validation_max_text_constraint: 'Texte trop long.',
  validation_min_number_constraint: 'Valeur trop petite.',
  validation_max_number_constraint: 'Valeur trop grande.',
  validation_invalid_mime_type: 'Format de photo non accepté (JPEG, PNG ou WebP).',
  validation_file_size_limit: 'Photo trop lourde (8 Mo au plus).',
  validation_missing_rel_records: 'Référence inconnue (enregistrement lié introuvable).',
  // HTTP and network
  unauthorized: 'Votre session a expiré : reconnectez-vous.',
  offline: 'Pas de connexion : l’opération sera envoyée au retour du réseau.',
  server_error: 'Erreur du serveur : nouvel essai automatique plus tard.',
  bad_credentials: 'Identifiant ou mot de passe incorrect.',
  // Receipt verification
  malformed: 'Ce n’est pas un récépissé Coprosec lisible.',
  wrong_algorithm: 'Récépissé signé avec un algorithme non accepté.',
  unknown_key: 'Récépissé signé par une clé inconnue (clés à mettre à jour en ligne).',
  bad_signature: 'Signature invalide : récépissé falsifié ou modifié.',
  revoked: 'Récépissé révoqué.',
  not_yet_valid: 'Récépissé pas encore valide.',
  expired: 'Récépissé expiré.',
  wrong_issuer: 'Récépissé émis par un autre système.',
  no_keys: 'Aucune clé de vérification en mémoire : connectez-vous une fois au réseau.',
  no_webcrypto: 'Ce navigateur ne sait pas vérifier les signatures Ed25519.',
  digest_mismatch: 'Le récépissé ne correspond pas à la déclaration enregistrée (modifiée depuis).',
  // Local pre-checks
  local_title: 'Donnez un titre à l’événement.',
  local_dates: 'Indiquez la date et l’heure de début et de fin.',
  local_photo: 'Impossible de lire cette photo.',
  local_gps: 'Position GPS indisponible.',
};

/** French message for a code, falling back to the server's own text. */
export function errorMessage(code, fallback) {
  if (code && ERRORS[code]) return ERRORS[code];
  if (fallback) return fallback;
  return code ? `Erreur (${code}).` : 'Erreur inconnue.';
}

/** Human labels of a select value, or the raw value when unknown. */
export function label(table, value) {
  return (value != null && table[value]) || value || '';
}

// Why a receipt was revoked (receipts.revoked_reason, set by the server).
export const REVOCATION_REASONS = {
  cancelled: 'événement annulé',
  time_or_place_changed: 'date, heure ou lieu modifiés : un nouveau récépissé suivra la prise en compte',
  reassigned: 'événement confié à une autre unité',
  superseded: 'remplacé par un nouveau récépissé',
  acknowledgement_withdrawn: 'prise en compte retirée par l’unité',
};

/** The French reason of a revocation code (the code itself when unknown). */
export function revocationReason(code) {
  return label(REVOCATION_REASONS, code);
}
