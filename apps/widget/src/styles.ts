/** Everything lives in a shadow root: the host page's CSS cannot reach in, ours cannot leak out. */
export function css(color: string, textColor: string, side: 'right' | 'left'): string {
  return `
:host{all:initial}
*{box-sizing:border-box;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:14px;line-height:1.4}
.launcher{position:fixed;${side}:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;background:${color};color:${textColor};cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000;display:flex;align-items:center;justify-content:center}
.launcher svg{width:28px;height:28px;fill:currentColor}
.launcher:focus-visible,button:focus-visible,textarea:focus-visible,input:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;background:#d1242f;color:#fff;font-size:12px;display:flex;align-items:center;justify-content:center;padding:0 5px}
.panel{position:fixed;${side}:20px;bottom:88px;width:370px;height:560px;max-height:calc(100vh - 110px);background:#fff;color:#1f2328;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden;z-index:2147483000}
.panel[hidden]{display:none}
header{background:${color};color:${textColor};padding:14px 16px;display:flex;align-items:center;gap:8px}
header .t{flex:1;min-width:0}
header h2{margin:0;font-size:16px;font-weight:600}
header p{margin:2px 0 0;font-size:12px;opacity:.9}
header button{background:transparent;border:0;color:inherit;font-size:22px;cursor:pointer;width:32px;height:32px;border-radius:6px}
.notice{padding:8px 14px;background:#fff8c5;font-size:13px;border-bottom:1px solid #eee}
.notice[hidden],.typing[hidden],form[hidden],.badge[hidden]{display:none}
ol{list-style:none;margin:0;padding:12px;flex:1;overflow-y:auto;display:flex;flex-direction:column;gap:8px;background:#f6f8fa}
li{display:flex;gap:8px;max-width:85%}
li.in{align-self:flex-end;flex-direction:row-reverse}
.av{width:28px;height:28px;border-radius:50%;background:#8c959f;color:#fff;flex:none;display:flex;align-items:center;justify-content:center;font-size:12px;overflow:hidden}
.av img{width:100%;height:100%;object-fit:cover}
.b{padding:8px 12px;border-radius:12px;background:#fff;border:1px solid #e1e4e8;white-space:pre-wrap;word-wrap:break-word;overflow-wrap:anywhere}
li.in .b{background:${color};color:${textColor};border-color:${color}}
.who{font-size:11px;color:#57606a;margin-bottom:2px}
.st{font-size:11px;opacity:.8;text-align:right;margin-top:2px}
.b img{max-width:100%;border-radius:6px;display:block;margin-top:4px}
.b a{color:inherit}
.typing{padding:4px 14px;font-size:12px;color:#57606a;background:#f6f8fa}
form{display:flex;gap:6px;padding:10px;border-top:1px solid #e1e4e8;background:#fff;flex-wrap:wrap}
form.col{flex-direction:column}
form p{margin:0 0 4px;width:100%;font-size:13px}
textarea,input{flex:1;min-width:0;border:1px solid #d0d7de;border-radius:8px;padding:8px 10px;resize:none;color:#1f2328;background:#fff}
form button{border:0;border-radius:8px;padding:8px 12px;background:${color};color:${textColor};cursor:pointer}
form button.ghost{background:#eaeef2;color:#1f2328;display:flex;align-items:center}
form button.ghost svg{width:18px;height:18px;fill:currentColor}
.rate{margin-top:6px;display:flex;flex-direction:column;gap:6px}
.rate .stars{display:flex;gap:2px}
.rate .stars button{background:transparent;border:0;font-size:24px;line-height:1;color:#c4cdd5;cursor:pointer;padding:2px;border-radius:4px}
.rate .stars button.on{color:#f5a623}
.rate .stars button:disabled{cursor:default}
.rate input{border:1px solid #d0d7de;border-radius:6px;padding:6px 8px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
@media (max-width:480px){.panel{left:0;right:0;bottom:0;top:0;width:100%;height:100%;max-height:none;border-radius:0}.launcher[aria-expanded=true]{display:none}}
`;
}
