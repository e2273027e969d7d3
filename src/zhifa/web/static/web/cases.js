// Case pages: show the party fields that fit the party kind, and the ordinary-procedure-only
// fields when that procedure is chosen. Pure progressive enhancement: without it all fields show.
(function () {
  function sync(form) {
    var kind = form.querySelector('input[name="party_kind"]:checked');
    var proc = form.querySelector('input[name="procedure"]:checked');
    form.querySelectorAll('.party-org').forEach(function (el) {
      el.hidden = kind && kind.value === 'person';
    });
    form.querySelectorAll('.general-only').forEach(function (el) {
      el.hidden = proc && proc.value !== 'penalty_general';
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    var form = document.getElementById('case-register');
    if (!form) return;
    form.addEventListener('change', function () { sync(form); });
    sync(form);
  });
})();
