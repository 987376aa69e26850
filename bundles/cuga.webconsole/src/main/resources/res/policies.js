// cuga console, Policies page: a document chosen from a file is loaded into the text area (nothing is uploaded
// until the form is sent); the profile field is filled from the document's "profile:" line when it is empty.
(function () {
  'use strict';
  var file = document.getElementById('cuga-policy-file');
  var text = document.getElementById('cuga-policy-document');
  var profile = document.getElementById('cuga-policy-profile');
  if (!file || !text) {
    return;
  }
  function guessProfile() {
    if (profile && !profile.value) {
      var m = /^profile:\s*["']?([A-Za-z0-9._-]{1,64})/m.exec(text.value);
      if (m) {
        profile.value = m[1];
      }
    }
  }
  file.addEventListener('change', function () {
    if (!file.files || !file.files[0]) {
      return;
    }
    var reader = new FileReader();
    reader.onload = function () {
      text.value = reader.result;
      guessProfile();
    };
    reader.readAsText(file.files[0]);
  });
  text.addEventListener('change', guessProfile);
})();
