// Live CVSS scoring on the case page. The form works without this script (the score is computed
// when the form is saved); with it, the score and grade update as the vector is typed.
(function () {
  const input = document.querySelector('[data-testid=cvss-input]');
  const out = document.querySelector('[data-testid=cvss-live]');
  if (!input || !out) return;
  let timer = null;
  const update = async () => {
    const vector = input.value.trim();
    if (!vector) { out.textContent = ''; return; }
    try {
      const r = await fetch('/api/v1/cvss?vector=' + encodeURIComponent(vector), { headers: { 'accept-language': document.documentElement.lang } });
      const j = await r.json();
      if (j.error) { out.textContent = j.error; out.className = 'error-inline'; return; }
      const score = j.score !== undefined ? j.score : (j.environmental_score !== undefined ? j.environmental_score : j.base_score);
      out.textContent = score.toFixed(1) + ' · ' + (j.severity || j.base_severity) + ' · ' + j.grade;
      out.className = 'score-live';
    } catch (e) {
      out.textContent = '';
    }
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(update, 150); });
  update();
})();
