// The signed-in access key, kept in this tab's sessionStorage only.
const KEY = "adit.key";

export function currentKey() {
  try {
    const v = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return v && v.accessKeyId && v.secretAccessKey ? v : null;
  } catch {
    return null;
  }
}

export function saveKey(accessKeyId, secretAccessKey) {
  sessionStorage.setItem(KEY, JSON.stringify({ accessKeyId, secretAccessKey }));
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}
