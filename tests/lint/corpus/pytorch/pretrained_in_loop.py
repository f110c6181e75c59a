from transformers import AutoModel, AutoTokenizer

texts = ["first document", "second document", "third document"]
tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
embeddings = []
for text in texts:
    model = AutoModel.from_pretrained("bert-base-uncased")  # expect: model-reuse
    batch = tokenizer(text, return_tensors="pt")
    embeddings.append(model(**batch).last_hidden_state.mean(1))
