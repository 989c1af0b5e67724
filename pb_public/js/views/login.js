import { h, mount, field, errorBox } from '../ui.js';
import { signIn } from '../session.js';
import { errorMessage } from '../labels.js';

export function render(main) {
  const identity = h('input', {
    id: 'identity', name: 'identity', type: 'text', required: true, autocomplete: 'username',
    inputmode: 'email', autocapitalize: 'none', spellcheck: 'false',
  });
  const password = h('input', { id: 'password', name: 'password', type: 'password', required: true, autocomplete: 'current-password' });
  const msg = h('div', { 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Se connecter');

  const form = h('form', {
    class: 'card login',
    onsubmit: async (e) => {
      e.preventDefault();
      msg.replaceChildren();
      submit.disabled = true;
      submit.textContent = 'Connexion…';
      try {
        await signIn(identity.value, password.value);
        location.hash = '#/';
      } catch (err) {
        const code = err.status === 400 || err.status === 401 || err.status === 403 ? (err.code === 'rate_limited' ? err.code : 'bad_credentials') : err.code;
        msg.replaceChildren(errorBox(code === 'offline'
          ? 'Pas de connexion : la première connexion demande le réseau.'
          : errorMessage(code, err.message)));
        password.select();
      } finally {
        submit.disabled = false;
        submit.textContent = 'Se connecter';
      }
    },
  },
  h('h2', null, 'Connexion'),
  h('p', { class: 'muted' }, 'Partis politiques et Police républicaine : déclaration et sécurisation des activités de campagne.'),
  field('E-mail ou numéro de téléphone', identity, 'Exemple : 97 00 00 00 ou nom@exemple.bj'),
  field('Mot de passe', password),
  msg,
  submit);

  mount(main, form);
  identity.focus();
  return { live: false };
}
