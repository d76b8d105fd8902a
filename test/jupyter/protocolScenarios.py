# Drives the installed Attention Lab kernelspec through Debian's jupyter_client (KernelManager +
# BlockingKernelClient), one scenario per run, and prints what the kernel answered as one JSON
# object for test/jupyter/jupyterKernel.test.ts to assert on. Run with /usr/bin/python3; the
# kernelspec is found through JUPYTER_PATH (a temporary folder the test installs into).
import json
import os
import sys
import tempfile
import time

import zmq
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

TIMEOUT = 60


def start(stderr=None):
    manager = KernelManager(kernel_name='attention-lab')
    manager.start_kernel(stderr=stderr)
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=TIMEOUT)
    return manager, client


def run(client, code, **options):
    """Executes code; answers the reply's content and every iopub message of this request, in order."""
    messages = []
    reply = client.execute_interactive(code, output_hook=messages.append, timeout=TIMEOUT, **options)
    return {
        'reply': reply['content'],
        'iopub': [{'msg_type': m['msg_type'], 'content': m['content']} for m in messages],
    }


def iopub_until(client, predicate):
    """Iopub messages until one satisfies predicate (that one included)."""
    seen = []
    while True:
        message = client.get_iopub_msg(timeout=TIMEOUT)
        seen.append(message)
        if predicate(message):
            return seen


def value_of(result):
    for message in result['iopub']:
        if message['msg_type'] == 'execute_result':
            return message['content']['data']['text/plain']
    return None


def basics():
    manager, client = start()
    info = client.kernel_info(reply=True, timeout=TIMEOUT)['content']
    results = {
        'kernel_info': info,
        'result': run(client, 'const x = tensor([[1, 2], [3, 4]]);\nconsole.log("rows", x.shape[0]);\nx.sum()'),
        'display': run(client, 'const handle = display("first");\nhandle.update("second");\nconsole.error("warn")'),
        'error': run(client, 'function f() {\n  throw new RangeError("bad index");\n}\nf()'),
        'silent': run(client, 'console.log("quiet"); 7', silent=True),
        'after_silent': run(client, 'x.shape'),
        'complete_member': client.complete('x.su', 4, reply=True, timeout=TIMEOUT)['content'],
        'complete_global': client.complete('const y = hand', 14, reply=True, timeout=TIMEOUT)['content'],
        'inspect': client.inspect('softmax(x, 1)', 3, reply=True, timeout=TIMEOUT)['content'],
        'inspect_value': client.inspect('x', 1, reply=True, timeout=TIMEOUT)['content'],
        'inspect_missing': client.inspect('nothingHere', 3, reply=True, timeout=TIMEOUT)['content'],
        'history': client.history(hist_access_type='tail', n=2, reply=True, timeout=TIMEOUT)['content'],
        'comm_info': client.comm_info(reply=True, timeout=TIMEOUT)['content'],
        'clear': run(client, 'console.log("gone");\nclearOutput({ wait: true });\nconsole.log("shown")'),
    }
    completeness = {}
    for code in ['const a = 1', 'function g() {\n  return 1;', 'for (const i of [1, 2]) {', 'const = 3', 'x.sum(']:
        client.is_complete(code)
        completeness[code] = client.get_shell_msg(timeout=TIMEOUT)['content']
    results['is_complete'] = completeness
    # stop_on_error: the execute requests queued behind a failing cell are aborted, not run.
    # The kernel holds in a first cell until the test has sent both, so they are surely queued behind it:
    # the cell reads a FIFO, which blocks until the test opens it for writing and closes it.
    sent = os.path.join(tempfile.mkdtemp(), 'both-sent')
    os.mkfifo(sent)
    holding = client.execute(f'require("node:fs").readFileSync({json.dumps(sent)});')
    failing = client.execute('throw new Error("stop here")')
    queued = client.execute('globalThis.ranAfterError = true')
    open(sent, 'w').close()
    replies = {}
    while len(replies) < 3:
        reply = client.get_shell_msg(timeout=TIMEOUT)
        replies[reply['parent_header']['msg_id']] = reply['content']['status']
    results['stop_on_error'] = [replies[holding], replies[failing], replies[queued]]
    results['ran_after_error'] = value_of(run(client, 'typeof globalThis.ranAfterError'))
    # Late output: a timer's print arrives after its cell finished, under that cell's request.
    first = client.execute(
        'globalThis.late = new Promise((resolve) =>\n'
        '  setTimeout(() => resolve(console.log("late from the first cell")), 300));\n1'
    )
    second = client.execute('await globalThis.late; 2')  # busy until the first cell's timer has printed
    late = iopub_until(client, lambda m: m['msg_type'] == 'stream' and 'late from' in m['content']['text'])[-1]
    results['late_output'] = {'parent': late['parent_header']['msg_id'], 'first': first, 'second': second}
    iopub_until(
        client,
        lambda m: m['parent_header'].get('msg_id') == second
        and m['msg_type'] == 'status'
        and m['content']['execution_state'] == 'idle',
    )
    client.stop_channels()
    manager.shutdown_kernel()
    return results


def language_service():
    """complete and inspect from the editor's language service, after cells ran; the first answer is timed."""
    manager, client = start()
    run(client, 'const mha = new nn.MultiheadAttention(8, 2)')
    run(client, 'const q = randn(2, 5, 8);\nglobalThis.madeByEval = eval("({ alpha: 1, beta: 2 })");\nconst v = eval("[1, 2]")')

    def complete(code, cursor=None):
        return client.complete(code, len(code) if cursor is None else cursor, reply=True, timeout=TIMEOUT)['content']

    def inspect(code, cursor=None):
        return client.inspect(code, len(code) if cursor is None else cursor, reply=True, timeout=TIMEOUT)['content']

    began = time.monotonic()
    results = {'member': complete('mha.inP')}
    results['first_answer_s'] = time.monotonic() - began
    began = time.monotonic()
    results['namespace'] = complete('nn.Multi')
    results['second_answer_s'] = time.monotonic() - began
    results.update({
        'earlier_cell_name': complete('const out = m'),
        'emoji_before_cursor': complete('const s = "\U0001F600"; mha.inP'),
        'inside_word': complete('mha.inProjW', 7),
        'eval_global': complete('madeBy'),
        'eval_member': complete('madeByEval.al'),
        'method': inspect('mha.forward'),
        'earlier_cell_type': inspect('mha'),
        'tensor': inspect('q'),
        'call': inspect('mha.forward(q, '),
        'eval_value': inspect('v'),
        'missing': inspect('nothingHere', 3),
    })
    client.stop_channels()
    manager.shutdown_kernel()
    return results


def interrupt():
    manager, client = start()
    run(client, 'let counter = 41')
    busy = client.execute('while (true) {}')
    iopub_until(client, lambda m: m['msg_type'] == 'execute_input' and m['parent_header']['msg_id'] == busy)
    manager.interrupt_kernel()
    reply = client.get_shell_msg(timeout=TIMEOUT)
    after = run(client, 'counter + 1')
    client.stop_channels()
    manager.shutdown_kernel()
    return {'interrupted_reply': reply['content'], 'after': value_of(after)}


def stdin():
    """prompt() as input_request on stdin: answered, refused without allow_stdin, interrupted while waiting."""
    manager, client = start()
    asked = client.execute(
        "let counter = 41;\nconsole.log('asking');\nconst name = prompt('Your name?', 'Ada');\n`hello ${name}`",
        allow_stdin=True,
    )
    request = client.get_stdin_msg(timeout=TIMEOUT)
    client.input('Grace')
    answered = client.get_shell_msg(timeout=TIMEOUT)
    asked_iopub = iopub_until(
        client,
        lambda m: m['parent_header'].get('msg_id') == asked
        and m['msg_type'] == 'status'
        and m['content']['execution_state'] == 'idle',
    )
    refused = run(client, "prompt('x')", allow_stdin=False)
    waiting = client.execute("counter += 1;\nprompt('never answered');\ncounter = 0;", allow_stdin=True)
    unanswered = client.get_stdin_msg(timeout=TIMEOUT)
    manager.interrupt_kernel()
    interrupted = client.get_shell_msg(timeout=TIMEOUT)
    after = run(client, 'counter')
    client.stop_channels()
    manager.shutdown_kernel()
    return {
        'request': {'content': request['content'], 'parent': request['parent_header']['msg_id'], 'asked': asked},
        'answered_reply': answered['content'],
        'answered_result': value_of({'iopub': [{'msg_type': m['msg_type'], 'content': m['content']} for m in asked_iopub]}),
        'refused_reply': refused['reply'],
        'unanswered_parent': unanswered['parent_header']['msg_id'] == waiting,
        'interrupted_reply': interrupted['content'],
        'after': value_of(after),
    }


def restart():
    manager, client = start()
    before = value_of(run(client, 'const kept = "before restart"; process.pid'))
    manager.restart_kernel(now=False)
    client.wait_for_ready(timeout=TIMEOUT)
    after = run(client, 'typeof kept')
    pid = value_of(run(client, 'process.pid'))
    client.stop_channels()
    manager.shutdown_kernel()
    return {'pid_before': before, 'pid_after': pid, 'kept_after': value_of(after)}


def wrong_signature(log_path):
    with open(log_path, 'w') as log:
        manager, client = start(stderr=log)
    info = manager.get_connection_info()
    forger = Session(key=b'not the key', signature_scheme='hmac-sha256')
    context = zmq.Context.instance()
    shell = context.socket(zmq.DEALER)
    shell.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
    forger.send(shell, 'execute_request', {'code': 'globalThis.forged = "ran"', 'silent': False})
    deadline = time.monotonic() + TIMEOUT
    while 'dropped a message on shell' not in open(log_path).read() and time.monotonic() < deadline:
        time.sleep(0.05)
    shell.close()
    after = value_of(run(client, 'typeof globalThis.forged'))
    client.stop_channels()
    manager.shutdown_kernel()
    return {'forged': after, 'log': open(log_path).read()}


def shutdown():
    manager, client = start()
    kernel_pid = int(value_of(run(client, 'process.pid')))
    front_end_pid = manager.provisioner.pid
    client.stop_channels()
    manager.shutdown_kernel(now=False)

    def alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    return {'kernel_alive': alive(kernel_pid), 'front_end_alive': alive(front_end_pid), 'kernel_pid': kernel_pid}


if __name__ == '__main__':
    scenario = sys.argv[1]
    found = globals()[scenario](*sys.argv[2:])
    print(json.dumps(found))
