# J1 of `npm run bench`: N Attention Lab kernels under one jupyter_client process (as one Jupyter
# server holds a classroom's kernels), started at once, each then running every cell of an example
# notebook at the same time. Prints one JSON object: per kernel its start time (start to ready),
# its memory idle and after the example (RSS of the front-end plus its kernel process), how many of
# its outputs carried an image/png heatmap, whether every cell succeeded. Run with /usr/bin/python3
# and JUPYTER_PATH holding the kernelspec.
import json
import sys
import threading
import time

import nbformat
from jupyter_client.manager import KernelManager

TIMEOUT = 600


def rss_mb(pid):
    """Resident memory of a process and its children, in MB (Linux /proc)."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            with open(f'/proc/{current}/status') as status:
                total += next(int(line.split()[1]) for line in status if line.startswith('VmRSS:'))
            with open(f'/proc/{current}/task/{current}/children') as children:
                pids.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            pass
    return total / 1024


def run_kernel(index, notebook_path, results, barrier):
    manager = KernelManager(kernel_name='attention-lab')
    began = time.monotonic()
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=TIMEOUT)
    started = time.monotonic() - began
    idle = rss_mb(manager.provisioner.pid)
    barrier.wait()
    cells = [c for c in nbformat.read(notebook_path, as_version=4).cells if c.cell_type == 'code']
    began = time.monotonic()
    ok = True
    pngs = []

    def count_pngs(message):
        if 'image/png' in message['content'].get('data', {}):
            pngs.append(message['msg_type'])
    for cell in cells:
        reply = client.execute_interactive(cell.source, timeout=TIMEOUT, output_hook=count_pngs)
        ok = ok and reply['content']['status'] == 'ok'
    ran = time.monotonic() - began
    running = rss_mb(manager.provisioner.pid)
    client.stop_channels()
    manager.shutdown_kernel()
    results[index] = {
        'start_s': started,
        'idle_mb': idle,
        'after_example_mb': running,
        'run_s': ran,
        'png_outputs': len(pngs),
        'ok': ok,
    }


def main():
    count, notebook_path = int(sys.argv[1]), sys.argv[2]
    results = [None] * count
    barrier = threading.Barrier(count)
    threads = [threading.Thread(target=run_kernel, args=(i, notebook_path, results, barrier)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({'kernels': results}))


main()
