// First sign-in: an account whose password somebody else chose (an import,
// its administrator) chooses its own before anything else. The server sets
// must_change_password and clears it once the account changed it itself.

import { h, mount, field, errorBox, toast } from '../ui.js';
import { api } from '../api.js';
import { session, signIn, signOut } from '../session.js';
import { errorMessage } from '../labels.js';

export const MIN_LENGTH = 8;

export function render(main) {
  const me = session.user;
  const current = h('input', { id: 'old-password', type: 'password', required: true, autocomplete: 'current-password' });
  const next = h('input', { id: 'new-password', type: 'password', required: true, minlength: MIN_LENGTH, autocomplete: 'new-password' });
  const again = h('input', { id: 'new-password-again', type: 'password', required: true, minlength: MIN_LENGTH, autocomplete: 'new-password' });
  const msg = h('div', { 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Enregistrer mon mot de passe');

  const form = h('form', {
    class: 'card login',
    onsubmit: async (e) => {
      e.preventDefault();
      msg.replaceChildren();
      if (next.value.length < MIN_LENGTH) { msg.replaceChildren(errorBox(`Au moins ${MIN_LENGTH} caractères.`)); next.focus(); return; }
      if (next.value !== again.value) { msg.replaceChildren(errorBox('Les deux mots de passe ne sont pas identiques.')); again.select(); return; }
      if (next.value === current.value) { msg.replaceChildren(errorBox('Choisissez un mot de passe différent du mot de passe provisoire.')); next.select(); return; }
      submit.disabled = true;
      submit.textContent = 'Enregistrement…';
      try {
        await api(`/api/collections/users/records/${me.id}`, {
          method: 'PATCH', body: { oldPassword: current.value, password: next.value, passwordConfirm: again.value },
        });
        // a new password ends every session: sign in again with it
        await signIn(me.phone || me.email, next.value);
        toast('Mot de passe enregistré.');
        location.hash = '#/';
      } catch (err) {
        const wrongOld = err.fields && err.fields.oldPassword;
        msg.replaceChildren(errorBox(err.code === 'offline'
          ? 'Pas de connexion : choisir son mot de passe demande le réseau. Réessayez dès que possible.'
          : wrongOld ? 'Le mot de passe provisoire est incorrect.' : errorMessage(err.code, err.message)));
      } finally {
        submit.disabled = false;
        submit.textContent = 'Enregistrer mon mot de passe';
      }
    },
  },
  h('h2', null, 'Choisissez votre mot de passe'),
  h('p', null, 'Votre mot de passe actuel est provisoire : il vous a été remis sur une fiche. Choisissez-en un que vous seul connaissez avant de continuer.'),
  field('Mot de passe provisoire', current),
  field('Nouveau mot de passe', next, `Au moins ${MIN_LENGTH} caractères.`),
  field('Nouveau mot de passe (encore)', again),
  msg,
  submit,
  h('button', { type: 'button', class: 'btn btn-block', onclick: async () => { await signOut(); location.hash = '#/'; } }, 'Se déconnecter'));

  mount(main, form);
  current.focus();
  return { live: false };
}
