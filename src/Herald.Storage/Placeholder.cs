namespace Herald.Storage;
