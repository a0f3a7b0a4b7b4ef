// The page's script, served as /static/page.js (see PageAssets.swift): the server-rendered form becomes a live
// translator. It loads nothing from elsewhere. The sound is the worker's WAV (/api/v1/audio), and the tape lights
// in step with it by the lengths the worker's encode answer gives (its `timing`): no timing rule is written here.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const root = document.documentElement;
  root.classList.remove('no-js');
  root.classList.add('js');

  const form = $('translator');
  const input = $('text');
  const editor = $('editor');
  const backdrop = $('backdrop');
  const errorBox = $('error');
  const alphabet = $('alphabet');
  const encodeButton = $('encode');
  const decodeButton = $('decode');
  const output = $('output');
  const resultTitle = $('result-title');
  const result = $('result');
  const tape = $('tape');
  const audio = $('audio');
  const play = $('play');
  const lamp = $('lamp');
  const time = $('time');
  const download = $('download');
  const status = $('status');
  const soundError = $('sound-error');
  const wpmInput = $('wpm');
  const farnsworthInput = $('farnsworth');
  const toneInput = $('tone');
  const shareButton = $('share');
  const shareBox = $('share-link');
  const shareURL = $('share-url');
  const openLink = $('open-link');
  if (!form || !input) return;

  /** What is shown: the plain text (sound and share) and its Morse (the tape). */
  const state = {
    text: output.dataset.text || '', morse: output.dataset.morse || '', bars: [], elements: [], timing: null, frame: 0,
  };

  // Characters as the server counts them (grapheme clusters), for error positions.
  const segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  const characters = (text) => segmenter ? Array.from(segmenter.segment(text), (s) => s.segment) : Array.from(text);

  const announce = (text) => { status.textContent = ''; window.setTimeout(() => { status.textContent = text; }, 50); };
  const sentence = (text) => text ? text.charAt(0).toUpperCase() + text.slice(1) : text;

  async function api(method, path, body, extraHeaders = {}) {
    const controller = new AbortController();
    const timer = window.setTimeout(() => controller.abort(), 15000);
    try {
      const headers = Object.assign(body ? { 'Content-Type': 'application/json' } : {}, extraHeaders);
      const response = await fetch(path, {
        method, signal: controller.signal, headers, body: body ? JSON.stringify(body) : undefined,
      });
      let data = null;
      try { data = await response.json(); } catch (_) { data = null; }
      if (!response.ok) {
        const error = (data && data.error) || { message: `the server answered ${response.status}` };
        throw Object.assign(new Error(error.message), { code: error.code, position: error.position });
      }
      return data;
    } catch (error) {
      if (error.name === 'AbortError') throw new Error('the server did not answer in time; try again');
      if (error instanceof TypeError) throw new Error('cannot reach the server; check the connection');
      throw error;
    } finally {
      window.clearTimeout(timer);
    }
  }

  // ---- The editor: auto-height, the backdrop that marks an error's position -------------------------
  function fit() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(Math.max(input.scrollHeight + 2, 118), 420)}px`;
    backdrop.scrollTop = input.scrollTop;
  }
  function clearError() {
    errorBox.textContent = '';
    input.removeAttribute('aria-invalid');
    editor.classList.remove('marked');
    backdrop.textContent = `${input.value}\n`;
  }
  function showError(error, inField = true) {
    errorBox.textContent = sentence(error.message || String(error));
    if (!inField) return;
    input.setAttribute('aria-invalid', 'true');
    const position = error.position;
    if (typeof position !== 'number' || position < 0) { backdrop.textContent = `${input.value}\n`; return; }
    const chars = characters(input.value);
    const mark = document.createElement('mark');
    mark.textContent = position < chars.length ? chars[position] : ' ';
    backdrop.replaceChildren(
      document.createTextNode(chars.slice(0, position).join('')), mark,
      document.createTextNode(`${chars.slice(position + 1).join('')}\n`));
    editor.classList.add('marked');
    backdrop.scrollTop = input.scrollTop;
    // Bring the mark into view in a long text.
    const top = mark.offsetTop - input.clientHeight / 2;
    if (top > 0) { input.scrollTop = top; backdrop.scrollTop = input.scrollTop; }
  }
  input.addEventListener('input', () => { clearError(); fit(); suggest(); });
  input.addEventListener('scroll', () => { backdrop.scrollTop = input.scrollTop; });
  window.addEventListener('resize', fit);

  // The button that fits what is typed becomes the primary one.
  const looksLikeMorse = (text) => /[.\-_•·−–—]/.test(text) && /^[\s.\-_/|•·−–—]+$/.test(text);
  function suggest() {
    const decode = looksLikeMorse(input.value);
    decodeButton.className = decode ? 'primary' : 'secondary';
    encodeButton.className = decode ? 'secondary' : 'primary';
  }

  // ---- The sound's settings -----------------------------------------------------------------------------
  function sound() {
    const wpm = Number(wpmInput.value);
    const farnsworth = Number(farnsworthInput.value || wpm);
    const tone = Number(toneInput.value);
    let problem = '';
    if (!Number.isFinite(wpm) || wpm < 5 || wpm > 60) {
      problem = 'Speed must be between 5 and 60 WPM.';
    } else if (!Number.isFinite(farnsworth) || farnsworth < 5 || farnsworth > wpm) {
      problem = `Farnsworth speed must be between 5 WPM and the speed (${wpm} WPM).`;
    } else if (!Number.isFinite(tone) || tone < 200 || tone > 2000) {
      problem = 'Tone must be between 200 and 2000 Hz.';
    }
    return { wpm, farnsworth, tone, problem };
  }
  const seconds = (ms) => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;

  // ---- The tape: one bar per dit and dah, lit as it sounds ---------------------------------------------
  // Morse read as the worker reads it (MorseSignals): a run of separators holding `/`, `|`, a tab or a line
  // break, or of 7 spaces or more, is a word gap; any other run of spaces a letter gap; other characters are
  // skipped.
  const wordGap = /[\s/|]*[/|\t\n\r][\s/|]*| {7,}/;
  function drawTape() {
    stop();
    tape.replaceChildren();
    state.bars = [];
    state.elements = [];
    if (!state.morse) return;
    // The silence before each element: none before the first.
    let gap = 'none';
    for (const word of state.morse.trim().split(wordGap)) {
      const wordNode = document.createElement('span');
      wordNode.className = 'word';
      for (const letter of word.split(/\s+/)) {
        const letterNode = document.createElement('span');
        letterNode.className = 'letter';
        for (const c of letter) {
          if (c !== '.' && c !== '-' && c !== '_') continue;
          const bar = document.createElement('span');
          bar.className = c === '.' ? 'el dit' : 'el dah';
          letterNode.append(bar);
          state.bars.push({ node: bar, kind: c === '.' ? 'dit' : 'dah', gap });
          gap = 'element';
        }
        if (letterNode.childElementCount) { wordNode.append(letterNode); gap = 'letter'; }
      }
      if (wordNode.childElementCount) { tape.append(wordNode); gap = 'word'; }
    }
    const settings = sound();
    if (settings.problem) return;
    const key = `${settings.wpm}/${settings.farnsworth}`;
    if (state.timing && state.timing.key === key) place(state.timing);
    else loadTiming(settings, key);
  }
  /**
   * The lengths the worker's sound gives each element and gap at these speeds (the `timing` of its encode
   * answer: the ARRL Farnsworth formula lives in the worker alone). They depend on the speeds only, so they are
   * asked with no text (nothing to encode, nothing to look up) and kept until the speeds change.
   */
  async function loadTiming(settings, key) {
    const body = { text: '', wpm: settings.wpm };
    if (settings.farnsworth < settings.wpm) body.farnsworth = settings.farnsworth;
    try {
      const data = await api('POST', '/api/v1/encode', body);
      state.timing = { key, ...data.timing };
      // Speeds changed meanwhile: their own answer places the tape.
      const now = sound();
      if (!now.problem && `${now.wpm}/${now.farnsworth}` === key) place(state.timing);
    } catch (_) {
      // The tape stays unlit; the sound reports its own errors.
    }
  }
  /** Start and end of every bar, in ms from the start of the WAV. */
  function place(timing) {
    const length = {
      none: 0, element: timing.elementGapMs, letter: timing.letterGapMs, word: timing.wordGapMs,
      dit: timing.ditMs, dah: timing.dahMs,
    };
    let t = timing.leadMs;
    state.elements = state.bars.map(({ node, kind, gap }) => {
      const start = t + length[gap];
      t = start + length[kind];
      node.dataset.start = start.toFixed(1);
      node.dataset.end = t.toFixed(1);
      return { node, start, end: t };
    });
  }

  // ---- Sound: the worker's WAV in the <audio> element --------------------------------------------------
  function audioURL() {
    const settings = sound();
    if (!state.text || settings.problem) return '';
    // Percent-encoded by hand: the worker reads `+` in a query as a plus sign, not as a space.
    const query = [['text', state.text]];
    if (alphabet.value && alphabet.value !== 'itu') query.push(['alphabet', alphabet.value]);
    query.push(['wpm', settings.wpm]);
    if (settings.farnsworth < settings.wpm) query.push(['farnsworth', settings.farnsworth]);
    query.push(['tone', settings.tone]);
    return `/api/v1/audio?${query.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&')}`;
  }
  function slug(text) {
    const name = text.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    return `morse-${name.slice(0, 40) || 'message'}.wav`;
  }
  function updateAudio() {
    const settings = sound();
    soundError.textContent = settings.problem;
    for (const field of [wpmInput, farnsworthInput, toneInput]) field.removeAttribute('aria-invalid');
    if (settings.problem) {
      const field =
        /Farnsworth/.test(settings.problem) ? farnsworthInput : /Tone/.test(settings.problem) ? toneInput : wpmInput;
      field.setAttribute('aria-invalid', 'true');
    }
    const url = audioURL();
    // Nothing changed (a late timer, the same settings typed again): let it play on.
    if (url && url === audio.getAttribute('src') && state.drawn === state.morse) return;
    stop();
    play.disabled = !url;
    download.hidden = !url;
    if (!url) { audio.removeAttribute('src'); audio.load(); download.removeAttribute('href'); return; }
    if (audio.getAttribute('src') !== url) {
      audio.src = url;
      audio.load();
      state.durationMs = 0;
      time.textContent = '';
    }
    download.href = url;
    download.download = slug(state.text);
    // The server-rendered page's sound may have loaded before this script ran.
    if (audio.readyState >= 1) metadata();
    drawTape();
    state.drawn = state.morse;
  }
  /** The WAV's own length, once the browser has read its header. */
  function metadata() {
    if (!Number.isFinite(audio.duration)) return;
    state.durationMs = audio.duration * 1000;
    if (audio.paused) time.textContent = seconds(state.durationMs);
  }
  function render() {
    for (const node of tape.querySelectorAll('.el')) node.classList.remove('on', 'done');
    lamp.classList.remove('on');
  }
  function frame() {
    const t = audio.currentTime * 1000;
    let lit = false;
    for (const element of state.elements) {
      const on = t >= element.start && t < element.end;
      lit = lit || on;
      element.node.classList.toggle('on', on);
      element.node.classList.toggle('done', t >= element.end);
    }
    lamp.classList.toggle('on', lit);
    time.textContent = `${seconds(t)} / ${seconds(state.durationMs || 0)}`;
    if (!audio.paused && !audio.ended) state.frame = window.requestAnimationFrame(frame);
  }
  function playing(on) {
    play.classList.toggle('playing', on);
    play.querySelector('.play-label').textContent = on ? 'Stop' : 'Play';
    play.setAttribute('aria-label', on ? 'Stop' : 'Play');
  }
  function stop() {
    window.cancelAnimationFrame(state.frame);
    if (!audio.paused) audio.pause();
    if (audio.readyState > 0) audio.currentTime = 0;
    playing(false);
    render();
    if (state.durationMs) time.textContent = seconds(state.durationMs);
  }
  play.addEventListener('click', async () => {
    if (!audio.paused) { stop(); return; }
    render();
    playing(true);
    try {
      await audio.play();
      state.frame = window.requestAnimationFrame(frame);
    } catch (error) {
      playing(false);
      errorBox.textContent = `The sound could not play: ${error.message}`;
    }
  });
  audio.addEventListener('ended', () => { frame(); window.setTimeout(stop, 250); });
  audio.addEventListener('loadedmetadata', metadata);
  audio.addEventListener('error', async () => {
    if (!audio.getAttribute('src')) return;
    playing(false);
    try { await api('GET', audio.getAttribute('src')); } catch (error) { showError(error, false); }
  });
  for (const field of [wpmInput, farnsworthInput, toneInput]) {
    let timer = 0;
    field.addEventListener('input', () => { window.clearTimeout(timer); timer = window.setTimeout(updateAudio, 300); });
  }
  wpmInput.addEventListener('change', () => {
    // Keep Farnsworth at most the speed, and follow the speed when they were equal.
    const wpm = Number(wpmInput.value);
    if (Number(farnsworthInput.value) > wpm || farnsworthInput.dataset.follow !== 'false') farnsworthInput.value = wpm;
    updateAudio();
  });
  farnsworthInput.addEventListener('change', () => {
    farnsworthInput.dataset.follow = String(Number(farnsworthInput.value) === Number(wpmInput.value));
  });

  // ---- Encode, decode, show ------------------------------------------------------------------------------
  function show(kind, text, plain, morse) {
    output.hidden = false;
    output.dataset.kind = kind;
    resultTitle.textContent = kind === 'morse' ? 'Morse' : 'Text';
    result.textContent = text;
    state.text = plain;
    state.morse = morse;
    shareBox.hidden = true;
    updateAudio();
  }
  function busy(on) {
    for (const button of [encodeButton, decodeButton, shareButton]) button.disabled = on;
    form.setAttribute('aria-busy', String(on));
  }
  async function translate(direction) {
    clearError();
    const value = input.value;
    if (!value.trim()) {
      showError({ message: direction === 'encode' ? 'type some text to encode' : 'type some Morse to decode' }, false);
      input.focus();
      return;
    }
    busy(true);
    try {
      if (direction === 'encode') {
        const data = await api('POST', '/api/v1/encode', { text: value, alphabet: alphabet.value });
        show('morse', data.morse, value, data.morse);
        announce(`Morse: ${data.morse}`);
      } else {
        const data = await api('POST', '/api/v1/decode', { morse: value, alphabet: alphabet.value });
        show('text', data.text, data.text, value);
        announce(`Text: ${data.text}`);
      }
    } catch (error) {
      showError(error);
    } finally {
      busy(false);
    }
  }
  async function share() {
    clearError();
    const text = state.text || input.value;
    if (!text.trim()) { showError({ message: 'type some text to share' }, false); return; }
    busy(true);
    try {
      // A key per write lets the proxy resend it to another worker if the first dies mid-request,
      // and the worker stores it once. crypto.randomUUID needs a secure context; getRandomValues does not.
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      const key = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      const data = await api(
        'POST', '/api/v1/messages', { text, alphabet: alphabet.value }, { 'Idempotency-Key': key });
      const url = new URL(data.url, window.location.href).href;
      shareURL.value = url;
      openLink.href = data.url;
      shareBox.hidden = false;
      shareURL.focus();
      shareURL.select();
      announce('Link ready: copy it or open it.');
    } catch (error) {
      showError(error, !state.text);
    } finally {
      busy(false);
    }
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const action = (event.submitter && event.submitter.value) || (looksLikeMorse(input.value) ? 'decode' : 'encode');
    if (action === 'share') share(); else translate(action);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      translate(looksLikeMorse(input.value) ? 'decode' : 'encode');
    }
  });
  for (const chip of document.querySelectorAll('[data-example]')) {
    chip.addEventListener('click', () => {
      input.value = chip.dataset.example;
      clearError();
      fit();
      suggest();
      translate(looksLikeMorse(input.value) ? 'decode' : 'encode');
    });
  }

  // ---- Copy ----------------------------------------------------------------------------------------------
  async function copy(text, button) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (_) {
      const area = document.createElement('textarea');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    const label = button.textContent;
    button.textContent = 'Copied';
    announce('Copied to the clipboard.');
    window.setTimeout(() => { button.textContent = label; }, 1500);
  }
  $('copy').addEventListener('click', (event) => copy(result.textContent, event.currentTarget));
  $('copy-link').addEventListener('click', (event) => copy(shareURL.value, event.currentTarget));
  if (shareURL.value && !/^https?:/.test(shareURL.value)) {
    shareURL.value = new URL(shareURL.value, window.location.href).href;
  }

  // ---- Alphabets, from the API -----------------------------------------------------------------------------
  api('GET', '/api/v1/alphabets').then((data) => {
    const current = alphabet.value;
    const options = (data.alphabets || []).map((item) => {
      const option = new Option(item.name === 'itu' ? 'International (ITU)' : item.description || item.name, item.name);
      option.title = item.description || item.name;
      return option;
    });
    if (!options.length) return;
    alphabet.replaceChildren(...options);
    alphabet.value = options.some((o) => o.value === current) ? current : 'itu';
  }).catch(() => { /* The server-rendered choices stay. */ });
  alphabet.addEventListener('change', () => { if (state.text) updateAudio(); });

  fit();
  if (!input.getAttribute('aria-invalid')) suggest();
  if (state.text) updateAudio(); else play.disabled = true;
})();
