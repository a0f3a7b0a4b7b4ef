// The page's "From sound" panel, served as /static/listen.js (see PageAssets.swift): Morse decoded from a WAV file
// or from the microphone. There is one decoder, the worker's (POST /api/v1/decode/audio): this script only reads a
// file, or records samples (recorder.js, an AudioWorklet) and writes them as a 16-bit WAV file. While recording it
// sends the recording so far every few seconds, so the text appears as it is keyed; the recording it keeps is
// bounded by the worker's upload limit (the oldest sound goes first).
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const panel = $('listen');
  if (!panel) return;
  const fileInput = $('wav-file');
  const recordButton = $('record');
  const statusLine = $('listen-status');
  const heard = $('heard');
  const speed = $('heard-wpm');
  const pitch = $('heard-pitch');
  const errorBox = $('listen-error');
  const alphabet = $('alphabet');
  const limit = Number(panel.dataset.uploadLimit) || 8 * 1024 * 1024;
  const limitText = panel.dataset.uploadLimitText || `${limit} bytes`;
  // While recording: the recording so far goes to the worker this often.
  const INTERVAL_MS = 2500;
  // The rate the microphone is recorded at when the browser can resample to it: Morse tones lie below 1.2 kHz,
  // and a low rate keeps each upload small (16-bit mono at 16 kHz: 32 kB a second).
  const RATE = 16000;

  function say(text) { statusLine.textContent = text; }
  function showError(message) {
    errorBox.textContent = message ? message.charAt(0).toUpperCase() + message.slice(1) : '';
    panel.classList.toggle('has-error', Boolean(message));
  }
  function showResult(result) {
    heard.textContent = result.text || '';
    heard.classList.toggle('empty', !result.text);
    if (result.wpm) {
      const farnsworth = result.farnsworthWPM && result.farnsworthWPM < result.wpm - 1 ?
        ` (Farnsworth ${Math.round(result.farnsworthWPM)})` : '';
      speed.textContent = `${Math.round(result.wpm)} WPM${farnsworth}`;
    } else {
      speed.textContent = '–';
    }
    pitch.textContent = result.pitchHz ? `${Math.round(result.pitchHz)} Hz` : '–';
  }
  function seconds(value) { return `${value.toFixed(1)} s`; }

  async function decode(body) {
    const query = alphabet && alphabet.value && alphabet.value !== 'itu' ?
      `?alphabet=${encodeURIComponent(alphabet.value)}` : '';
    let response;
    try {
      response = await fetch(`/api/v1/decode/audio${query}`, {
        method: 'POST', headers: { 'Content-Type': 'audio/wav' }, body,
      });
    } catch (_) {
      throw new Error('the server could not be reached; try again');
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      throw new Error((data && data.error && data.error.message) || `the server answered ${response.status}`);
    }
    return data;
  }

  // ---- A WAV file ------------------------------------------------------------------------------------------
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    showError('');
    if (file.size > limit) {
      showError(`${file.name} is ${(file.size / 1048576).toFixed(1)} MiB; the limit is ${limitText}`);
      return;
    }
    say(`Decoding ${file.name}…`);
    panel.setAttribute('aria-busy', 'true');
    try {
      const result = await decode(file);
      showResult(result);
      say(`${file.name}: ${seconds(result.durationSeconds)} of sound.`);
    } catch (error) {
      showError(error.message);
      say('');
    } finally {
      panel.removeAttribute('aria-busy');
      fileInput.value = '';
    }
  });

  // ---- The microphone --------------------------------------------------------------------------------------
  const recording = {
    active: false, context: null, stream: null, node: null, timer: 0,
    blocks: [], length: 0, dropped: 0, rate: RATE, sending: null,
  };
  // Samples that fit in one upload beside the 44-byte header.
  const maxSamples = Math.floor((limit - 44) / 2);

  function keep(block) {
    recording.blocks.push(block);
    recording.length += block.length;
    while (recording.length - recording.blocks[0].length >= maxSamples) {
      recording.length -= recording.blocks[0].length;
      recording.dropped += recording.blocks.shift().length;
    }
  }

  /** The recording so far (its last `maxSamples`) as a 16-bit mono WAV file. */
  function wav() {
    const count = Math.min(recording.length, maxSamples);
    const buffer = new ArrayBuffer(44 + 2 * count);
    const view = new DataView(buffer);
    const ascii = (at, text) => {
      for (let i = 0; i < text.length; i++) view.setUint8(at + i, text.charCodeAt(i));
    };
    ascii(0, 'RIFF');
    view.setUint32(4, 36 + 2 * count, true);
    ascii(8, 'WAVE');
    ascii(12, 'fmt ');
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true);
    view.setUint16(22, 1, true);
    view.setUint32(24, recording.rate, true);
    view.setUint32(28, 2 * recording.rate, true);
    view.setUint16(32, 2, true);
    view.setUint16(34, 16, true);
    ascii(36, 'data');
    view.setUint32(40, 2 * count, true);
    let skip = recording.length - count;
    let offset = 44;
    for (const block of recording.blocks) {
      for (let i = 0; i < block.length; i++) {
        if (skip > 0) { skip--; continue; }
        const sample = Math.max(-1, Math.min(1, block[i]));
        view.setInt16(offset, sample < 0 ? sample * 0x8000 : sample * 0x7fff, true);
        offset += 2;
      }
    }
    return new Blob([buffer], { type: 'audio/wav' });
  }

  /** Sends the recording so far, unless a send is still under way. */
  function send(final) {
    if (recording.sending) return recording.sending;
    const heardSeconds = (recording.length + recording.dropped) / recording.rate;
    if (recording.length < recording.rate * 0.2) return Promise.resolve();
    recording.sending = decode(wav()).then((result) => {
      showResult(result);
      const kept = recording.dropped ? ` (the last ${seconds(result.durationSeconds)}, the upload limit)` : '';
      say(final ? `Recorded ${seconds(heardSeconds)}${kept}.` : `Listening… ${seconds(heardSeconds)}${kept}`);
    }).catch((error) => {
      showError(error.message);
    }).finally(() => { recording.sending = null; });
    return recording.sending;
  }

  async function start() {
    showError('');
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.AudioWorkletNode) {
      showError(window.isSecureContext ?
        'this browser cannot record sound here' :
        'the microphone needs a secure page: open this site over https (or on localhost)');
      return;
    }
    recordButton.disabled = true;
    try {
      // Morse needs the sound as it is: no echo cancelling, noise suppression or level control.
      recording.stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
      let source;
      try {
        recording.context = new AudioContext({ sampleRate: RATE });
        source = recording.context.createMediaStreamSource(recording.stream);
      } catch (_) {
        // A browser that cannot resample the microphone: its own rate.
        if (recording.context) recording.context.close();
        recording.context = new AudioContext();
        source = recording.context.createMediaStreamSource(recording.stream);
      }
      recording.rate = recording.context.sampleRate;
      await recording.context.audioWorklet.addModule(panel.dataset.recorder);
      recording.node = new AudioWorkletNode(recording.context, 'morse-recorder');
      recording.node.port.onmessage = (event) => keep(event.data);
      source.connect(recording.node);
      // Connected to the output (it writes silence) so that the browser keeps pulling samples through it.
      recording.node.connect(recording.context.destination);
      Object.assign(recording, { active: true, blocks: [], length: 0, dropped: 0 });
      recording.timer = window.setInterval(() => send(false), INTERVAL_MS);
      recordButton.textContent = 'Stop';
      recordButton.setAttribute('aria-pressed', 'true');
      panel.classList.add('recording');
      heard.textContent = '';
      say('Listening…');
    } catch (error) {
      release();
      const denied = error && (error.name === 'NotAllowedError' || error.name === 'SecurityError');
      showError(denied ? 'the microphone was not allowed: allow it for this site and try again' :
        `the microphone could not be opened (${error.message || error.name})`);
    } finally {
      recordButton.disabled = false;
    }
  }

  function release() {
    window.clearInterval(recording.timer);
    if (recording.stream) for (const track of recording.stream.getTracks()) track.stop();
    if (recording.context) recording.context.close();
    Object.assign(recording, { active: false, stream: null, context: null, node: null });
    recordButton.textContent = 'Record';
    recordButton.setAttribute('aria-pressed', 'false');
    panel.classList.remove('recording');
  }

  async function stop() {
    release();
    say('Decoding the recording…');
    // The send under way covers less than the whole recording: wait for it, then send it all.
    if (recording.sending) await recording.sending;
    await send(true);
    if (!recording.length) say('Nothing was recorded.');
  }

  recordButton.addEventListener('click', () => { if (recording.active) stop(); else start(); });
})();
